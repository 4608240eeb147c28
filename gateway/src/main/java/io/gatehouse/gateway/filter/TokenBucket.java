package io.gatehouse.gateway.filter;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket as GCRA (the generic cell rate algorithm): one "theoretical arrival time" per
 * bucket in an {@link AtomicLong}, advanced by compare-and-set, so every event loop shares the
 * bucket without a lock. Allows {@code burst} requests at once, then one per interval.
 */
final class TokenBucket {
  private final long intervalNanos;
  private final long toleranceNanos;
  private final AtomicLong arrival = new AtomicLong(Long.MIN_VALUE);

  TokenBucket(double requestsPerSecond, int burst) {
    this.intervalNanos = Math.max(1, (long) (1e9 / requestsPerSecond));
    this.toleranceNanos = intervalNanos * burst;
  }

  /** Takes a token at {@code nowNanos}: 0 when granted, else how many nanoseconds until one is free. */
  long take(long nowNanos) {
    while (true) {
      long stored = arrival.get();
      long start = Math.max(stored, nowNanos);
      long next = start + intervalNanos;
      long ahead = next - nowNanos;
      if (ahead > toleranceNanos) {
        return ahead - toleranceNanos;
      }
      if (arrival.compareAndSet(stored, next)) {
        return 0;
      }
    }
  }

  /** How long an idle bucket takes to fill up again: after that it may be forgotten. */
  long refillNanos() {
    return toleranceNanos;
  }
}
