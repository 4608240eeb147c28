package io.gatehouse.routes.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.Compression;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.Cors;
import io.gatehouse.routes.DataSize;
import io.gatehouse.routes.Fault;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerLimits;
import io.gatehouse.routes.Mirror;
import io.gatehouse.routes.RateLimit;
import io.gatehouse.routes.Route;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Route traffic policies and listener limits: how they load, their defaults, and every error with its line. */
class PolicyConfigTest {
  private static final String UPSTREAMS = """
      upstreams:
        - { name: shop, endpoints: ["127.0.0.1:9001"] }
        - { name: shop-shadow, endpoints: ["127.0.0.1:9002"] }
      """;

  @Test
  void loadsEveryRoutePolicy() {
    GatewayConfig config = loaded(UPSTREAMS + """
        routes:
          - name: shop
            backends: [{ upstream: shop }]
            fault: { delay: { fixed: 200ms, percent: 10 }, abort: { status: 503, percent: 1.5 }, header: X-Chaos }
            rateLimit: { requestsPerSecond: 100, burst: 200, key: "header:X-User", global: { redis: "redis://127.0.0.1:6379", failOpen: false } }
            maxBodySize: 10MiB
            mirror: { upstream: shop-shadow, percent: 5 }
            cors: { allowOrigins: ["https://shop.example.com", "https://*.shop.test"], allowMethods: [GET, POST], maxAge: 1h, allowHeaders: [X-Token] }
        """);
    Route route = config.routes().get(0);
    assertEquals(new Fault(new Fault.Delay(Duration.ofMillis(200), 10), new Fault.Abort(503, 1.5), "x-chaos"), route.fault());
    assertEquals(new RateLimit(100, 200, new RateLimit.Key.Header("x-user"),
        new RateLimit.Global("redis://127.0.0.1:6379", false, Duration.ofMillis(100))), route.rateLimit());
    assertEquals(new DataSize(10L << 20), route.maxBodySize());
    assertEquals(new Mirror("shop-shadow", 5), route.mirror());
    assertEquals(new Cors(List.of("https://shop.example.com", "https://*.shop.test"), List.of("GET", "POST"), List.of("x-token"),
        List.of(), Duration.ofHours(1), false), route.cors());
  }

  @Test
  void absentPoliciesAreNone() {
    Route route = loaded(UPSTREAMS + "routes: [{ name: r, backends: [{ upstream: shop }] }]\n").routes().get(0);
    assertEquals(Fault.NONE, route.fault());
    assertEquals(RateLimit.NONE, route.rateLimit());
    assertEquals(new DataSize(0), route.maxBodySize());
    assertEquals(Mirror.NONE, route.mirror());
    assertEquals(Cors.NONE, route.cors());
  }

  @Test
  void rateLimitDefaultsToPerClientWithBurstOfOneSecond() {
    Route route = loaded(UPSTREAMS + "routes: [{ name: r, backends: [{ upstream: shop }], rateLimit: { requestsPerSecond: 20 } }]\n")
        .routes().get(0);
    assertEquals(new RateLimit(20, 20, new RateLimit.Key.Client(), RateLimit.Global.NONE), route.rateLimit());
  }

  @Test
  void listenerLimitsAndProxyProtocol() {
    GatewayConfig config = loaded("""
        listeners:
          - { name: a, port: 8080 }
          - { name: b, port: 8081, proxyProtocol: true, limits: { maxHeaderSize: 32KiB, headerReadTimeout: 2s, maxConnections: 50, bodyReadTimeout: 7s } }
        """);
    Listener a = config.listeners().get(0);
    Listener b = config.listeners().get(1);
    assertEquals(ListenerLimits.DEFAULT, a.limits());
    assertEquals(false, a.proxyProtocol());
    assertEquals(true, b.proxyProtocol());
    ListenerLimits d = ListenerLimits.DEFAULT;
    assertEquals(new ListenerLimits(new DataSize(32 * 1024), d.maxUriLength(), Duration.ofSeconds(2), d.idleTimeout(), 50,
        d.http2MaxConcurrentStreams(), d.http2MaxResets(), d.http2ResetWindow(), Duration.ofSeconds(7)), b.limits());
  }

  @Test
  void aListenerCompressionIsTheDefaultOfRoutesThatSetNone() {
    GatewayConfig config = loaded(UPSTREAMS + """
        listeners:
          - { name: a, port: 8080, compression: { algorithms: [gzip], minSize: 2KiB } }
          - { name: b, port: 8081 }
        routes:
          - { name: inherits, backends: [{ upstream: shop }] }
          - { name: own, backends: [{ upstream: shop }], compression: { algorithms: [br] } }
          - { name: off, backends: [{ upstream: shop }], compression: { enabled: false } }
          - { name: empty, backends: [{ upstream: shop }], compression: { algorithms: [] } }
        """);
    Compression gzip = new Compression(List.of("gzip"), new DataSize(2048), Compression.CONTENT_TYPES);
    assertEquals(gzip, config.listeners().get(0).compression());
    assertEquals(Compression.NONE, config.listeners().get(1).compression());
    List<Compression> routes = config.routes().stream().map(Route::compression).toList();
    assertEquals(List.of(Compression.INHERIT, new Compression(List.of("br"), Compression.MIN_SIZE, Compression.CONTENT_TYPES),
        Compression.NONE, Compression.NONE), routes);
    assertEquals(gzip, routes.get(0).or(gzip), "a route that sets none takes the listener's");
    assertEquals(Compression.NONE, routes.get(0).or(Compression.NONE));
    assertEquals(Compression.NONE, routes.get(2).or(gzip), "a route that turns it off wins");
    assertEquals(routes.get(1), routes.get(1).or(gzip));
  }

  /** One invalid config and the line and words its error must have. */
  record Case(String desc, String yaml, int line, String message) {
    @Override public String toString() {
      return desc;
    }
  }

  static Stream<Case> cases() {
    String r = "routes:\n  - name: r\n    backends: [{ upstream: shop }]\n";
    return Stream.of(
        new Case("mirror to an unknown upstream", r + "    mirror: { upstream: nowhere, percent: 5 }\n", 7,
            "route r mirror: upstream \"nowhere\" is not defined (known: shop, shop-shadow)"),
        new Case("mirror on a direct response", "routes:\n  - name: d\n    directResponse: { status: 200 }\n    mirror: { upstream: shop }\n", 7,
            "route \"d\": mirror needs backends"),
        new Case("mirror without an upstream", r + "    mirror: { percent: 5 }\n", 7, "\"upstream\" is required"),
        new Case("percent over 100", r + "    fault: { abort: { status: 503, percent: 101 } }\n", 7,
            "route r fault.abort.percent: \"101\" (expected a number 0..100)"),
        new Case("abort without a status", r + "    fault: { abort: { percent: 1 } }\n", 7, "\"status\" is required"),
        new Case("delay without a duration", r + "    fault: { delay: { percent: 1 } }\n", 7, "\"fixed\" is required"),
        new Case("fault with neither delay nor abort", r + "    fault: { header: x-chaos }\n", 7, "expected delay, abort or both"),
        new Case("abort status out of range", r + "    fault: { abort: { status: 99, percent: 1 } }\n", 7, "(expected a whole number 200..599)"),
        new Case("unknown fault key", r + "    fault: { delay: { fixed: 1s, percent: 1 }, probability: 3 }\n", 7, "unknown key \"probability\" in route r fault"),
        new Case("rate limit key", r + "    rateLimit: { requestsPerSecond: 10, key: cookie }\n", 7,
            "rateLimit.key: \"cookie\" (expected client, route or header:NAME)"),
        new Case("rate limit without a rate", r + "    rateLimit: { burst: 10 }\n", 7, "\"requestsPerSecond\" is required"),
        new Case("rate limit of zero", r + "    rateLimit: { requestsPerSecond: 0 }\n", 7, "(expected a number 0.001..1000000)"),
        new Case("global rate limit with a bad address", r + "    rateLimit: { requestsPerSecond: 5, global: { redis: \"localhost:6379\" } }\n", 7,
            "redis is not a Redis address (expected redis://[:password@]host:port[/db])"),
        new Case("bad body size", r + "    maxBodySize: 10M\n", 7, "maxBodySize: \"10M\" is not a size"),
        new Case("zero body size", r + "    maxBodySize: 0B\n", 7, "maxBodySize must be more than 0"),
        new Case("cors origin that is no origin", r + "    cors: { allowOrigins: [\"shop.example.com\"] }\n", 7,
            "\"shop.example.com\" is not an origin"),
        new Case("cors credentials with any origin", r + "    cors: { allowOrigins: [\"*\"], allowCredentials: true }\n", 7,
            "allowCredentials cannot be used with allowOrigins \"*\""),
        new Case("cors without origins", r + "    cors: { allowMethods: [GET] }\n", 7, "\"allowOrigins\" needs at least one origin"),
        new Case("listener limit key", "listeners: [{ name: a, port: 80, limits: { maxHeaders: 10 } }]\n", 4,
            "unknown key \"maxHeaders\" in listener a limits"),
        new Case("listener header size too small", "listeners: [{ name: a, port: 80, limits: { maxHeaderSize: 10B } }]\n", 4,
            "maxHeaderSize: 10 bytes is out of range"),
        new Case("listener zero idle timeout", "listeners: [{ name: a, port: 80, limits: { idleTimeout: 0s } }]\n", 4,
            "idleTimeout must be more than 0"),
        new Case("listener zero body read timeout", "listeners: [{ name: a, port: 80, limits: { bodyReadTimeout: 0s } }]\n", 4,
            "bodyReadTimeout must be more than 0"),
        new Case("compression on a TCP listener", "listeners: [{ name: t, port: 90, protocol: TCP, compression: { algorithms: [gzip] } }]\n", 4,
            "listener t: \"compression\" is only for protocols HTTP and HTTPS (this one is TCP)"),
        new Case("listener compression algorithm", "listeners: [{ name: a, port: 80, compression: { algorithms: [deflate] } }]\n", 4,
            "listener a compression.algorithms: \"deflate\" (expected br, zstd, gzip)"),
        new Case("compression off with settings", r + "    compression: { enabled: false, minSize: 1KiB }\n", 7,
            "route r compression: enabled: false takes no other keys"),
        new Case("proxy protocol not a boolean", "listeners: [{ name: a, port: 80, proxyProtocol: v2 }]\n", 4,
            "proxyProtocol: \"v2\" (expected true or false)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachErrorIsReportedWithFileAndLine(Case c) {
    LoadResult result = ConfigLoader.load(List.of(new ConfigFile("gw.yaml", UPSTREAMS + c.yaml(), Path.of("."))));
    List<ConfigError> errors = assertInstanceOf(LoadResult.Rejected.class, result, () -> "expected errors for:\n" + c.yaml()).errors();
    String expected = "gw.yaml:" + c.line() + ": ";
    assertTrue(errors.stream().anyMatch(e -> e.toString().startsWith(expected) && e.message().contains(c.message())),
        () -> "expected an error at " + expected + "containing [" + c.message() + "], got " + errors);
  }

  private static GatewayConfig loaded(String yaml) {
    LoadResult result = ConfigLoader.load(List.of(new ConfigFile("gw.yaml", yaml, Path.of("."))));
    if (result instanceof LoadResult.Rejected rejected) {
      throw new AssertionError("expected a config, got " + rejected.errors());
    }
    return assertInstanceOf(LoadResult.Loaded.class, result).config();
  }
}
