package io.gatehouse.gateway.filter;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.gatehouse.gateway.observe.PolicyMetrics;
import io.gatehouse.gateway.proxy.Filter;
import io.gatehouse.gateway.upstream.SessionCookies;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.gatehouse.routes.RateLimit;
import io.gatehouse.routes.Route;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Builds a route's policy filters (fault, rate limit, CORS, body size; mirror separately, as it
 * goes after the header edits) and keeps what must outlive a snapshot: rate-limit buckets (a
 * reload that keeps a route's limit keeps its buckets, and a route's match entries share them),
 * Redis clients, meters, the sticky-session cookie key. Lives as long as the gateway.
 */
public final class RouteFilters {
  private record LimiterKey(String route, RateLimit limit) {}

  private final Vertx vertx;
  private final PolicyMetrics metrics;
  private final DoubleSupplier random;
  private final LongSupplier nanoClock;
  private final Cache<LimiterKey, Limiter> limiters = Caffeine.newBuilder().maximumSize(10_000).build();
  private final Map<String, Redis> redis = new ConcurrentHashMap<>();
  private final SessionCookies sessionCookies;

  RouteFilters(Vertx vertx, PolicyMetrics metrics, DoubleSupplier random, LongSupplier nanoClock, SessionCookies sessionCookies) {
    this.sessionCookies = sessionCookies;
    this.vertx = vertx;
    this.metrics = metrics;
    this.random = random;
    this.nanoClock = nanoClock;
  }

  /** The filters with real randomness and the monotonic clock, counting into {@code registry}, sealing sticky cookies with {@code sessionCookies}. */
  public static RouteFilters start(Vertx vertx, MeterRegistry registry, SessionCookies sessionCookies) {
    return new RouteFilters(vertx, new PolicyMetrics(registry), () -> ThreadLocalRandom.current().nextDouble(), System::nanoTime,
        sessionCookies);
  }

  /** The gateway's sticky-session cookie key (it outlives snapshots, so a reload keeps cookies valid). */
  public SessionCookies sessionCookies() {
    return sessionCookies;
  }

  /** The route's filters that run before its header edits, in the fixed order: fault, rate limit, CORS, body size. */
  public List<Filter> before(Route route) {
    return before(route, false);
  }

  /**
   * As {@link #before(Route)}; {@code grpcWeb}: the route translates gRPC-web, so its CORS also
   * allows and exposes the headers gRPC-web clients send and read.
   */
  public List<Filter> before(Route route, boolean grpcWeb) {
    List<Filter> out = new ArrayList<>(4);
    String name = route.name();
    if (!route.fault().isNone()) {
      out.add(new FaultFilter(vertx, route.fault(), random, metrics.faults(name, "delay"), metrics.faults(name, "abort")));
    }
    if (route.rateLimit().enabled()) {
      Limiter limiter = limiters.get(new LimiterKey(name, route.rateLimit()), k -> limiter(name, k.limit()));
      out.add(new RateLimitFilter(limiter, route.rateLimit().key(), metrics.rateLimited(name)));
    }
    if (route.cors().enabled()) {
      out.add(new CorsFilter(grpcWeb ? CorsFilter.withGrpcWeb(route.cors()) : route.cors()));
    }
    if (route.maxBodySize().bytes() > 0) {
      out.add(new BodyLimitFilter(route.maxBodySize().bytes(), metrics.limitRejected("", name, "body_size")));
    }
    return out;
  }

  /** The route's mirror to {@code upstream}; it runs last, on the request as it goes upstream. */
  public Filter mirror(Route route, UpstreamClient upstream) {
    String name = route.name();
    return new MirrorFilter(upstream, route.mirror().percent(), random,
        metrics.mirrored(name, upstream.name(), "sent"), metrics.mirrored(name, upstream.name(), "failed"),
        metrics.mirrored(name, upstream.name(), "skipped"));
  }

  private Limiter limiter(String route, RateLimit limit) {
    if (!limit.global().enabled()) {
      return new LocalLimiter(limit.requestsPerSecond(), limit.burst(), nanoClock);
    }
    Redis client = redis.computeIfAbsent(limit.global().redis(), url -> Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(url)
        .setMaxPoolSize(16)
        .setMaxPoolWaiting(4096)
        .setNetClientOptions(new NetClientOptions().setConnectTimeout(1_000).setTcpNoDelay(true))));
    return new RedisLimiter(client, route, limit, metrics.rateLimitErrors(route));
  }
}
