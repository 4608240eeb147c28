package io.gatehouse.gateway.egress;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * Resolves each egress name once per TTL: answers are cached (Caffeine) for the TTL the lookup
 * gave, at most {@link #MAX_TTL}; concurrent requests for a name share one lookup; failures are
 * not cached. The addresses returned are the ones the caller checks and connects to, so a name is
 * never resolved a second time between the check and the connection (DNS rebinding).
 */
public final class EgressResolver {
  /** A cap on caching, whatever a record says: a week-long TTL should not pin an address for a week. */
  static final Duration MAX_TTL = Duration.ofMinutes(5);
  private static final long MAX_NAMES = 100_000;

  private final DnsLookup lookup;
  private final AsyncCache<String, Outcome> cache;

  /**
   * A lookup's result as a cache value, a failure included: Caffeine logs every failed load with
   * its stack trace (4.9 KB per request for a name a client made up); a failure expires at once.
   */
  private sealed interface Outcome {
    record Found(DnsLookup.Answer answer) implements Outcome {}

    record Failed(Throwable cause) implements Outcome {}
  }

  EgressResolver(DnsLookup lookup, Ticker ticker) {
    this.lookup = lookup;
    this.cache = Caffeine.newBuilder()
        .maximumSize(MAX_NAMES)
        .ticker(ticker)
        .executor(Runnable::run)
        .expireAfter(Expiry.creating((String name, Outcome outcome) ->
            outcome instanceof Outcome.Found found ? clamp(found.answer().ttl()) : Duration.ZERO))
        .buildAsync();
  }

  /** A resolver over {@code lookup} with the system clock. */
  public static EgressResolver of(DnsLookup lookup) {
    return new EgressResolver(lookup, Ticker.systemTicker());
  }

  private static Duration clamp(Duration ttl) {
    return ttl.isNegative() ? Duration.ZERO : ttl.compareTo(MAX_TTL) > 0 ? MAX_TTL : ttl;
  }

  /** The addresses of {@code name}; completes on the caller's context. */
  public Future<List<InetAddress>> resolve(String name) {
    Context context = Vertx.currentContext();
    var outcome = cache.get(name, (n, executor) -> lookup.lookup(n)
        .<Outcome>map(Outcome.Found::new).otherwise(Outcome.Failed::new).toCompletionStage().toCompletableFuture());
    Future<Outcome> future = context == null ? Future.fromCompletionStage(outcome) : Future.fromCompletionStage(outcome, context);
    return future.compose(o -> o instanceof Outcome.Found found ? Future.succeededFuture(found.answer().addresses())
        : Future.failedFuture(((Outcome.Failed) o).cause()));
  }
}
