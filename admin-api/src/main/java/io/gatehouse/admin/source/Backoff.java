package io.gatehouse.admin.source;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long a source waits after its n-th failure in a row before trying again: exponential from
 * {@code first} up to {@code max}, with "equal jitter" (half fixed, half random), so sources that
 * failed together do not all retry together.
 */
public record Backoff(Duration first, Duration max) {
  public Backoff {
    if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
      throw new IllegalArgumentException("backoff: first " + first + ", max " + max + " (expected: 0 < first <= max)");
    }
  }

  /** A delay drawn from [d/2, d] with d = min(max, first * 2^(n-1)). */
  public Duration delay(int n, RandomGenerator random) {
    long first = this.first.toMillis();
    long cap = max.toMillis();
    long d = n >= 31 ? cap : Math.min(cap, first << Math.min(Math.max(n, 1) - 1, 30));
    long half = d / 2;
    return Duration.ofMillis(half + (d - half <= 0 ? 0 : random.nextLong(d - half + 1)));
  }
}
