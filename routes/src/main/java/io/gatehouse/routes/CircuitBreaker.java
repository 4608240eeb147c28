package io.gatehouse.routes;

/**
 * Limits that protect an upstream: connections per endpoint, requests waiting for a connection
 * and requests in flight (both summed over the upstream's endpoints). A request over a limit is
 * answered 503 {@code overflow} at once. {@link #UNLIMITED} requests are not capped.
 */
public record CircuitBreaker(int maxConnections, int maxPendingRequests, int maxRequests) {
  public static final int UNLIMITED = Integer.MAX_VALUE;

  /** Connections per endpoint; requests over that wait for a free one (Envoy's default of 1024). */
  public static final int DEFAULT_MAX_CONNECTIONS = 1024;

  public static final CircuitBreaker DEFAULT = new CircuitBreaker(DEFAULT_MAX_CONNECTIONS, UNLIMITED, UNLIMITED);
}
