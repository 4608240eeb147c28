package io.gatehouse.routes.mesh;

import io.gatehouse.routes.CircuitBreaker;
import io.gatehouse.routes.HashOn;
import io.gatehouse.routes.StickySession;
import io.gatehouse.routes.OutlierDetection;
import io.gatehouse.routes.Upstream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The parts of a DestinationRule {@code trafficPolicy} that protect an upstream or pin clients to
 * an endpoint: {@code loadBalancer.consistentHash}, {@code connectionPool} and
 * {@code outlierDetection}, as the native {@link HashOn}, {@link CircuitBreaker} (and
 * {@link Upstream.Protocol}) and {@link OutlierDetection}.
 */
final class TrafficPolicies {
  private static final int MAX_LIMIT = 1_000_000_000;

  /** The limits and HTTP version a {@code connectionPool} gives an upstream. */
  record Pool(CircuitBreaker circuitBreaker, Upstream.Protocol protocol) {}

  private TrafficPolicies() {}

  /** {@code httpHeaderName} → header, {@code httpCookie.name} → cookie, {@code useSourceIp} → client. */
  static Optional<HashOn> consistentHash(Scope scope, Tree h) {
    scope.unknownKeys(h, Set.of("httpHeaderName", "httpCookie", "useSourceIp", "minimumRingSize", "ringHash",
        "maglev", "httpQueryParameterName"));
    for (String key : h.keys()) {
      if (Set.of("minimumRingSize", "ringHash", "maglev").contains(key)) {
        scope.warn(h.get(key), "the ring is fixed (160 points per endpoint); ignored");
      }
    }
    if (h.has("httpHeaderName")) {
      return Optional.of(new HashOn.Header(h.text("httpHeaderName").toLowerCase(Locale.ROOT)));
    }
    if (h.has("httpCookie")) {
      Tree cookie = h.get("httpCookie");
      scope.unknownKeys(cookie, Set.of("name", "path", "ttl", "attributes"));
      if (!cookie.has("ttl")) {
        for (String key : cookie.keys()) {
          if (!key.equals("name")) {
            scope.warn(cookie.get(key), "without ttl the gateway does not set the cookie (as in Istio); ignored");
          }
        }
      }
      if (cookie.text("name").isEmpty()) {
        scope.error(cookie.get("name"), "is required");
        return Optional.empty();
      }
      return Optional.of(new HashOn.Cookie(cookie.text("name")));
    }
    if (h.get("useSourceIp").node().asBoolean(false)) {
      return Optional.of(new HashOn.Client());
    }
    if (h.has("httpQueryParameterName")) {
      scope.warn(h.get("httpQueryParameterName"), "hashing on a query parameter is not supported; the load"
          + " balancer is not changed");
      return Optional.empty();
    }
    scope.error(h, "expected one of httpHeaderName, httpCookie, useSourceIp");
    return Optional.empty();
  }

  /**
   * {@code httpCookie} with a {@code ttl}: Istio's gateway then sets the cookie itself, which here
   * is a sticky session (its routes pin clients to endpoints with a sealed cookie). {@code path}
   * (default /) and the {@code attributes} SameSite, Secure and HttpOnly carry over; the cookie is
   * HttpOnly, as Envoy's is. {@link StickySession#NONE} without httpCookie or ttl.
   */
  static StickySession stickyCookie(Scope scope, Tree h) {
    Tree cookie = h.get("httpCookie");
    if (!cookie.present() || !cookie.has("ttl") || cookie.text("name").isEmpty()) {
      return StickySession.NONE;
    }
    Optional<Duration> ttl = Tree.duration(cookie.text("ttl"));
    if (ttl.isEmpty()) {
      scope.error(cookie.get("ttl"), "\"" + cookie.text("ttl") + "\" is not a duration (expected e.g. 0s, 30m, 1h)");
      return StickySession.NONE;
    }
    String path = cookie.text("path").isEmpty() ? "/" : cookie.text("path");
    boolean secure = false;
    boolean httpOnly = true;
    StickySession.SameSite sameSite = StickySession.SameSite.UNSET;
    for (Tree a : cookie.get("attributes").items()) {
      String value = a.text("value");
      switch (a.text("name").toLowerCase(Locale.ROOT)) {
        case "secure" -> secure = true;
        case "httponly" -> httpOnly = true;
        case "samesite" -> {
          switch (value.toLowerCase(Locale.ROOT)) {
            case "lax" -> sameSite = StickySession.SameSite.LAX;
            case "strict" -> sameSite = StickySession.SameSite.STRICT;
            case "none" -> sameSite = StickySession.SameSite.NONE;
            default -> scope.error(a.get("value"), "\"" + value + "\" is not a SameSite value (expected Lax, Strict, None)");
          }
        }
        default -> scope.warn(a.get("name"), "cookie attribute \"" + a.text("name") + "\" is not supported (Secure,"
            + " HttpOnly, SameSite are); ignored");
      }
    }
    return new StickySession(cookie.text("name"), ttl.get(), path, httpOnly, secure, sameSite);
  }

  /**
   * {@code tcp.maxConnections} → maxConnections (the native limit is per endpoint, Istio's per
   * service), {@code http.http1MaxPendingRequests} → maxPendingRequests,
   * {@code http.http2MaxRequests} → maxRequests, {@code http.h2UpgradePolicy: UPGRADE} → HTTP2.
   * Keys left out keep the inherited values.
   */
  static Pool connectionPool(Scope scope, Tree p, Pool inherited) {
    if (!p.present()) {
      return inherited;
    }
    scope.unknownKeys(p, Set.of("tcp", "http"));
    Tree tcp = p.get("tcp");
    Tree http = p.get("http");
    scope.unknownKeys(tcp, Set.of("maxConnections"));
    scope.unknownKeys(http, Set.of("http1MaxPendingRequests", "http2MaxRequests", "h2UpgradePolicy"));
    CircuitBreaker base = inherited.circuitBreaker();
    CircuitBreaker breaker = new CircuitBreaker(limit(scope, tcp, "maxConnections", base.maxConnections()),
        limit(scope, http, "http1MaxPendingRequests", base.maxPendingRequests()),
        limit(scope, http, "http2MaxRequests", base.maxRequests()));
    Upstream.Protocol protocol = inherited.protocol();
    switch (http.text("h2UpgradePolicy")) {
      case "" -> { }
      case "UPGRADE" -> protocol = Upstream.Protocol.HTTP2;
      case "DEFAULT", "DO_NOT_UPGRADE" -> protocol = Upstream.Protocol.HTTP1;
      default -> scope.error(http.get("h2UpgradePolicy"), "\"" + http.text("h2UpgradePolicy")
          + "\" is not an upgrade policy (expected DEFAULT, DO_NOT_UPGRADE, UPGRADE)");
    }
    return new Pool(breaker, protocol);
  }

  private static int limit(Scope scope, Tree block, String key, int inherited) {
    if (!block.has(key)) {
      return inherited;
    }
    int value = block.integer(key, -1);
    if (value < 1 || value > MAX_LIMIT) {
      scope.error(block.get(key), "\"" + block.text(key) + "\" is out of range (expected a whole number 1.." + MAX_LIMIT + ")");
      return inherited;
    }
    return value;
  }

  /**
   * {@code consecutive5xxErrors} (or else {@code consecutiveGatewayErrors}) → consecutiveErrors,
   * {@code baseEjectionTime}, {@code maxEjectionPercent}; Istio's defaults (5, 30s, 10). The native
   * rule counts every 5xx and local failure on each answer, so {@code interval} and the finer
   * counters are warned about. 0 errors turns ejection off, as in Istio.
   */
  static OutlierDetection outlierDetection(Scope scope, Tree o) {
    Set<String> read = Set.of("consecutive5xxErrors", "consecutiveGatewayErrors", "consecutiveErrors",
        "baseEjectionTime", "maxEjectionPercent");
    for (String key : o.keys()) {
      if (!read.contains(key)) {
        scope.warn(o.get(key), "not supported: ejection counts every 5xx answer and local failure, as each"
            + " answer comes (no interval); ignored");
      }
    }
    int errors = 5;
    if (o.has("consecutive5xxErrors")) {
      errors = o.integer("consecutive5xxErrors", -1);
      for (String key : List.of("consecutiveGatewayErrors", "consecutiveErrors")) {
        if (o.has(key)) {
          scope.warn(o.get(key), "one error count is supported; consecutive5xxErrors is used");
        }
      }
    } else {
      for (String key : new String[] {"consecutiveGatewayErrors", "consecutiveErrors"}) {
        if (o.has(key)) {
          errors = o.integer(key, -1);
          scope.warn(o.get(key), "every 5xx counts as an error, not only 502, 503 and 504");
          break;
        }
      }
    }
    if (errors < 0 || errors > 1000) {
      scope.error(o, "expected an error count 0..1000");
      return OutlierDetection.NONE;
    }
    Duration base = Duration.ofSeconds(30);
    if (o.has("baseEjectionTime")) {
      base = IstioRoutes.timeout(scope, o.get("baseEjectionTime"));
      if (base.isZero()) {
        scope.error(o.get("baseEjectionTime"), "must be more than 0");
      }
    }
    int percent = o.integer("maxEjectionPercent", 10);
    if (percent < 0 || percent > 100) {
      scope.error(o.get("maxEjectionPercent"), "expected a percentage 0..100");
    }
    return errors == 0 ? OutlierDetection.NONE : new OutlierDetection(true, errors, base, percent);
  }
}
