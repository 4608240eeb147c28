package io.gatehouse.routes;

import java.time.Duration;
import java.util.Set;

/**
 * When and how often a failed attempt is tried again (on another endpoint when there is one).
 * {@code attempts} counts retries, not tries (Istio's meaning). A zero {@code perTryTimeout}
 * means each try may use what is left of the route timeout. Requests with a method that is not
 * idempotent are retried only on connect failure (nothing was sent) unless {@code nonIdempotent}.
 */
public record RetryPolicy(int attempts, Duration perTryTimeout, boolean onConnectFailure, boolean onReset,
                          Set<Integer> onStatuses, boolean nonIdempotent) {
  public RetryPolicy {
    onStatuses = Set.copyOf(onStatuses);
  }

  public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, false, false, Set.of(), false);

  /** The default when a route says nothing: one retry on connect failure, which is always safe. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(1, Duration.ZERO, true, false, Set.of(), false);
}
