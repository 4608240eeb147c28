package io.gatehouse.admin;

/**
 * What the admin server needs to know of the running data plane. Admin declares it and the
 * gateway implements it, so admin-api never depends on gateway classes.
 */
public interface RuntimeView {
  /** Whether the gateway takes traffic: false before the first config and while draining. */
  boolean ready();

  /** The metrics in Prometheus text format. */
  String scrapeMetrics();
}
