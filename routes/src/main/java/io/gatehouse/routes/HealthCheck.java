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
}
