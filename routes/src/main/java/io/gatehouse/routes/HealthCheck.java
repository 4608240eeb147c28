package io.gatehouse.routes;

import java.time.Duration;

/**
 * Active HTTP health checking of each endpoint: a GET of {@code path} every {@code interval}; a
 * 2xx answer within {@code timeout} passes. An endpoint leaves the balancer after
 * {@code unhealthyThreshold} failures in a row and returns after {@code healthyThreshold} passes
 * in a row. Disabled is {@link #NONE}.
 */
public record HealthCheck(boolean enabled, String path, Duration interval, Duration timeout,
                          int healthyThreshold, int unhealthyThreshold) {
  public static final HealthCheck NONE = new HealthCheck(false, "", Duration.ZERO, Duration.ZERO, 0, 0);

  /**
   * What a {@code healthCheck} block takes for the keys it leaves out (every 5s, 1s timeout, 2
   * passes to return, 3 failures to leave); its {@code path} is required, so this one has none.
   */
  public static final HealthCheck DEFAULT = new HealthCheck(true, "", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3);
}
