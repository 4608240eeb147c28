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
  private final AsyncCache<String, DnsLookup.Answer> cache;

  EgressResolver(DnsLookup lookup, Ticker ticker) {
    this.lookup = lookup;
    this.cache = Caffeine.newBuilder()
        .maximumSize(MAX_NAMES)
        .ticker(ticker)
        .executor(Runnable::run)
        .expireAfter(Expiry.creating((String name, DnsLookup.Answer answer) -> clamp(answer.ttl())))
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
    var answer = cache.get(name, (n, executor) -> lookup.lookup(n).toCompletionStage().toCompletableFuture());
    Future<DnsLookup.Answer> future = context == null ? Future.fromCompletionStage(answer) : Future.fromCompletionStage(answer, context);
    return future.map(DnsLookup.Answer::addresses);
  }
}
