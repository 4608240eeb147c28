package io.gatehouse.gateway.filter;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A route's buckets on this replica, one per key, in a bounded Caffeine cache: the least recently
 * used keys go first past {@link #MAX_KEYS}, and a bucket idle long enough to be full again is
 * dropped (a new one behaves the same). Safe to share by all event loops.
 */
final class LocalLimiter implements Limiter {
  /** About 100 bytes a key: 100k keys cost ~10 MB per route at most. */
  static final long MAX_KEYS = 100_000;
  private static final Future<Long> GRANTED = Future.succeededFuture(0L);

  private final double requestsPerSecond;
  private final int burst;
  private final LongSupplier nanoClock;
  private final Cache<String, TokenBucket> buckets;

  LocalLimiter(double requestsPerSecond, int burst, LongSupplier nanoClock) {
    this.requestsPerSecond = requestsPerSecond;
    this.burst = burst;
    this.nanoClock = nanoClock;
    long refill = new TokenBucket(requestsPerSecond, burst).refillNanos();
    this.buckets = Caffeine.newBuilder()
        .maximumSize(MAX_KEYS)
        .expireAfterAccess(Duration.ofNanos(Math.max(refill, Duration.ofSeconds(1).toNanos())))
        .build();
  }

  @Override public Future<Long> acquire(String key) {
    long wait = take(key);
    return wait == 0 ? GRANTED : Future.succeededFuture(wait);
  }

  long take(String key) {
    return buckets.get(key, k -> new TokenBucket(requestsPerSecond, burst)).take(nanoClock.getAsLong());
  }
}
