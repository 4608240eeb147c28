package io.gatehouse.routes;

/**
 * What a {@code CONSISTENT_HASH} upstream hashes to pick an endpoint, as YAML {@code hashOn}:
 * {@code header:NAME}, {@code cookie:NAME} or {@code client} (the client's IP address).
 * {@link #NONE} for the other balancers.
 */
public sealed interface HashOn {
  HashOn NONE = new None();

  /** No hashing: the balancer is not CONSISTENT_HASH. */
  record None() implements HashOn {}

  /** A request header, by lowercase name. */
  record Header(String name) implements HashOn {}

  /** A request cookie, by name (case-sensitive). */
  record Cookie(String name) implements HashOn {}

  /** The client's IP address, as the gateway's connection sees it. */
  record Client() implements HashOn {}
}
