package io.gatehouse.routes;

import java.time.Duration;
import java.util.Set;

/**
 * When and how often a failed attempt is tried again (on another endpoint when there is one).
 * {@code attempts} counts retries, not tries (Istio's meaning). A zero {@code perTryTimeout}
 * means each try may use what is left of the route timeout. Requests with a method that is not
 * idempotent are retried only on connect failure (nothing was sent) unless {@code nonIdempotent}.
 * {@code backoff} says how long to wait before each retry.
 */
public record RetryPolicy(int attempts, Duration perTryTimeout, boolean onConnectFailure, boolean onReset,
                          Set<Integer> onStatuses, boolean nonIdempotent, Backoff backoff) {
  public RetryPolicy {
    onStatuses = Set.copyOf(onStatuses);
  }

  /** A policy with the default {@link Backoff}. */
  public RetryPolicy(int attempts, Duration perTryTimeout, boolean onConnectFailure, boolean onReset,
                     Set<Integer> onStatuses, boolean nonIdempotent) {
    this(attempts, perTryTimeout, onConnectFailure, onReset, onStatuses, nonIdempotent, Backoff.DEFAULT);
  }

  public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, false, false, Set.of(), false);

  /** The default when a route says nothing: one retry on connect failure, which is always safe. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(1, Duration.ZERO, true, false, Set.of(), false);

  /** This policy with {@code backoff} between its tries. */
  public RetryPolicy withBackoff(Backoff backoff) {
    return new RetryPolicy(attempts, perTryTimeout, onConnectFailure, onReset, onStatuses, nonIdempotent, backoff);
  }

  /**
   * The wait before each retry, as Envoy's: exponential with full jitter, the n-th retry (from 1)
   * waiting {@code min} plus a random time below min({@code base} × 2^(n-1), {@code max}). Envoy's
   * {@code min} is zero; Gateway API's {@code retry.backoff} is a minimum ("not retried before the
   * configured minimum duration"), so an HTTPRoute's sets both {@code min} and {@code base}. An
   * upstream's {@code Retry-After} on a 503 or 429 replaces the backoff when it asks for at most
   * {@code maxRetryAfter} (and the route timeout leaves room); when it asks for longer, its answer
   * is passed to the client instead of retried. A zero {@code maxRetryAfter} ignores
   * {@code Retry-After}.
   */
  public record Backoff(Duration base, Duration max, Duration maxRetryAfter, Duration min) {
    /** Envoy's base interval. */
    public static final Duration BASE = Duration.ofMillis(25);
    /** Envoy's maximum is ten times the base. */
    public static final int MAX_FACTOR = 10;
    public static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(10);
    public static final Backoff DEFAULT = of(BASE);

    public Backoff {
      if (base.isNegative() || max.compareTo(base) < 0 || maxRetryAfter.isNegative() || min.isNegative()) {
        throw new IllegalArgumentException("backoff: base " + base + ", max " + max + ", maxRetryAfter " + maxRetryAfter
            + ", min " + min + " (expected: 0 <= base <= max, maxRetryAfter >= 0, min >= 0)");
      }
    }

    /** Envoy's form: no minimum, every wait is jitter. */
    public Backoff(Duration base, Duration max, Duration maxRetryAfter) {
      this(base, max, maxRetryAfter, Duration.ZERO);
    }

    /** A backoff from {@code base}, up to ten times it (Envoy's default maximum). */
    public static Backoff of(Duration base) {
      return new Backoff(base, base.multipliedBy(MAX_FACTOR), MAX_RETRY_AFTER);
    }

    /**
     * Gateway API's {@code retry.backoff}: never less than {@code minimum}, the jitter on top
     * doubling from it per retry, up to ten times it.
     */
    public static Backoff atLeast(Duration minimum) {
      return new Backoff(minimum, minimum.multipliedBy(MAX_FACTOR), MAX_RETRY_AFTER, minimum);
    }
  }
}
