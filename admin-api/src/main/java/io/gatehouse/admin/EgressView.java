package io.gatehouse.admin;

/** Egress requests to one destination (an allow-list entry name, or "unlisted") with one decision and reason, counted since start. */
public record EgressView(String destination, boolean allowed, String reason, long count) {}
