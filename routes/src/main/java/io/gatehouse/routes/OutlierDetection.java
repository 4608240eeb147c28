package io.gatehouse.routes;

import java.time.Duration;

/**
 * Passive ejection, with Envoy's semantics: after {@code consecutiveErrors} 5xx answers or local
 * failures (connect failure, reset, per-try timeout) in a row, an endpoint leaves the balancer for
 * {@code baseEjectionTime} times the number of times it was ejected, and returns by itself. At
 * most {@code maxEjectionPercent} of the endpoints are ejected at once, but always at least one.
 * Disabled is {@link #NONE}.
 */
public record OutlierDetection(boolean enabled, int consecutiveErrors, Duration baseEjectionTime,
                               int maxEjectionPercent) {
  public static final OutlierDetection NONE = new OutlierDetection(false, 0, Duration.ZERO, 0);

  /** What an {@code outlierDetection} block takes for the keys it leaves out: Envoy's and Istio's (5, 30s, 10 %). */
  public static final OutlierDetection DEFAULT = new OutlierDetection(true, 5, Duration.ofSeconds(30), 10);
}
