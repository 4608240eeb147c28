package io.gatehouse.routes.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.CircuitBreaker;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.Cors;
import io.gatehouse.routes.Fault;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.HashOn;
import io.gatehouse.routes.Mirror;
import io.gatehouse.routes.OutlierDetection;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Istio traffic policies in, native policies out: VirtualService {@code fault}, {@code mirror} and
 * {@code corsPolicy} on routes, DestinationRule {@code consistentHash}, {@code connectionPool} and
 * {@code outlierDetection} on upstreams; with the warnings for what the native model cannot say.
 */
class MeshPoliciesTest {
  static final String GATEWAY = """
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: { name: public, namespace: shop }
      spec:
        selector: { istio: ingressgateway }
        servers: [{ port: { number: 80, protocol: HTTP }, hosts: ["*"] }]
      ---
      """;

  static final String RULE = """
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: { name: reviews, namespace: shop }
      spec:
        host: reviews
      """;

  /** A VirtualService on the public Gateway whose one {@code http} entry routes to reviews, plus {@code extra}. */
  static String virtualService(String extra) {
    return GATEWAY + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: vs, namespace: shop }
        spec:
          hosts: [shop.example.com]
          gateways: [public]
          http:
            - route: [{ destination: { host: reviews } }]
        """ + extra.indent(6);
  }

  /** A DestinationRule for reviews with {@code spec} lines, and a VirtualService routing to it. */
  static String destinationRule(String spec) {
    return virtualService("") + RULE + spec.indent(2);
  }

  /** A Gateway API Gateway and an HTTPRoute whose one rule forwards to reviews, with {@code extra} rule lines. */
  static String httpRoute(String extra) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: gw, namespace: shop }
        spec:
          gatewayClassName: gatehouse
          listeners: [{ name: web, port: 80, protocol: HTTP }]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: web, namespace: shop }
        spec:
          parentRefs: [{ name: gw }]
          rules:
            - backendRefs: [{ name: reviews, port: 9080 }]
        """ + extra.indent(6);
  }

  record Case(String description, String yaml, Function<GatewayConfig, Object> actual, Object expected,
              List<String> warnings) {
    @Override public String toString() {
      return description;
    }
  }

  private static Object route(GatewayConfig c, Function<io.gatehouse.routes.Route, Object> field) {
    return field.apply(c.routes().get(0));
  }

  private static Upstream reviews(GatewayConfig c) {
    return c.upstreams().stream().filter(u -> u.name().equals("reviews.shop.svc.cluster.local_9080")).findFirst()
        .orElseThrow();
  }

  static Stream<Case> translated() {
    return Stream.of(
        new Case("ISTIO_MUTUAL: mesh TLS with the workload identity, checking subjectAltNames", destinationRule("""
            trafficPolicy:
              tls: { mode: ISTIO_MUTUAL, subjectAltNames: ["spiffe://cluster.local/ns/shop/sa/reviews"] }
            """), c -> reviews(c).tls(),
            io.gatehouse.routes.UpstreamTls.mesh("", List.of("spiffe://cluster.local/ns/shop/sa/reviews")), List.of()),
        new Case("ISTIO_MUTUAL with an sni and no subjectAltNames", destinationRule("""
            trafficPolicy:
              tls: { mode: ISTIO_MUTUAL, sni: Reviews.Shop }
            """), c -> reviews(c).tls(), io.gatehouse.routes.UpstreamTls.mesh("reviews.shop", List.of()), List.of()),
        new Case("SIMPLE with subjectAltNames: the names replace hostname verification", destinationRule("""
            trafficPolicy:
              tls: { mode: SIMPLE, sni: lb.shop, subjectAltNames: [reviews.shop.internal] }
            """), c -> reviews(c).tls(), new io.gatehouse.routes.UpstreamTls(true, "lb.shop", "", "", "", false, false,
            List.of("reviews.shop.internal")), List.of()),
        new Case("fault delay and abort", virtualService("""
            fault:
              delay: { fixedDelay: 1.5s, percentage: { value: 10 } }
              abort: { httpStatus: 418, percentage: { value: 0.5 } }
            """), c -> route(c, r -> r.fault()),
            new Fault(new Fault.Delay(Duration.ofMillis(1500), 10), new Fault.Abort(418, 0.5), ""), List.of()),
        new Case("fault with the deprecated integer percent", virtualService("""
            fault: { delay: { fixedDelay: 2s, percent: 50 } }
            """), c -> route(c, r -> r.fault()),
            new Fault(new Fault.Delay(Duration.ofSeconds(2), 50), Fault.Abort.NONE, ""), List.of()),
        new Case("fault without a percentage injects nothing, and says so", virtualService("""
            fault: { abort: { httpStatus: 503 } }
            """), c -> route(c, r -> r.fault().isNone()), true,
            List.of(":16: warning: VirtualService shop/vs: spec.http[0].fault.abort: no percentage: no request is"
                + " affected (as in Istio); give percentage.value (0..100)")),
        new Case("mirror with mirrorPercentage: the destination becomes an upstream", virtualService("""
            mirror: { host: ratings }
            mirrorPercentage: { value: 25.5 }
            """), c -> List.of(route(c, r -> r.mirror()), c.upstreams().stream().map(Upstream::name).toList()),
            List.of(new Mirror("ratings.shop.svc.cluster.local_9080", 25.5),
                List.of("reviews.shop.svc.cluster.local_9080", "ratings.shop.svc.cluster.local_9080")), List.of()),
        new Case("mirror without a percentage mirrors everything", virtualService("""
            mirror: { host: ratings.shop.svc.cluster.local, port: { number: 9080 } }
            """), c -> route(c, r -> r.mirror()), new Mirror("ratings.shop.svc.cluster.local_9080", 100), List.of()),
        new Case("mirrors: the first one is served, the others warned about", virtualService("""
            mirrors:
              - { destination: { host: ratings }, percentage: { value: 5 } }
              - { destination: { host: reviews } }
            """), c -> route(c, r -> r.mirror()), new Mirror("ratings.shop.svc.cluster.local_9080", 5),
            List.of(":18: warning: VirtualService shop/vs: spec.http[0].mirrors[1]: only one mirror per route is"
                + " supported; this one is ignored")),
        new Case("corsPolicy: exact and wildcard-regex origins, prefix warned about", virtualService("""
            corsPolicy:
              allowOrigins:
                - exact: https://shop.example.com
                - regex: 'https?://.*\\.example\\.com'
                - prefix: https://partner
              allowMethods: [GET, post]
              allowHeaders: [Authorization, x-token]
              exposeHeaders: [x-request-id]
              maxAge: 24h
              allowCredentials: true
            """), c -> route(c, r -> r.cors()),
            new Cors(List.of("https://shop.example.com", "http://*.example.com", "https://*.example.com"),
                List.of("GET", "POST"), List.of("authorization", "x-token"), List.of("x-request-id"),
                Duration.ofHours(24), true),
            List.of(":20: warning: VirtualService shop/vs: spec.http[0].corsPolicy.allowOrigins[2].prefix: prefix"
                + " origins cannot be expressed")),
        new Case("corsPolicy with * and credentials: credentials dropped", virtualService("""
            corsPolicy: { allowOrigins: [{ regex: ".*" }], allowCredentials: true }
            """), c -> route(c, r -> r.cors()),
            new Cors(List.of("*"), List.of("GET", "HEAD", "POST"), List.of(), List.of(), Duration.ZERO, false),
            List.of(":16: warning: VirtualService shop/vs: spec.http[0].corsPolicy.allowCredentials: allowCredentials"
                + " cannot be used")),
        new Case("ignoreUriCase: the uri match as a case-insensitive regex", GATEWAY + """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: vs, namespace: shop }
            spec:
              hosts: [shop.example.com]
              gateways: [public]
              http:
                - match: [{ uri: { prefix: /Shop }, ignoreUriCase: true }, { uri: { exact: /a.b }, ignoreUriCase: true }]
                  route: [{ destination: { host: reviews } }]
            """, c -> route(c, r -> r.match().stream().map(m -> m.path()).toList()),
            List.of(new io.gatehouse.routes.PathMatch.Regex("(?i)\\Q/Shop\\E.*"),
                new io.gatehouse.routes.PathMatch.Regex("(?i)\\Q/a.b\\E")), List.of()),
        new Case("HTTPRoute RequestMirror with a fraction", httpRoute("""
            filters:
              - type: RequestMirror
                requestMirror: { backendRef: { name: ratings, port: 9080 }, fraction: { numerator: 1, denominator: 4 } }
            """), c -> route(c, r -> r.mirror()), new Mirror("ratings.shop.svc.cluster.local_9080", 25), List.of()),
        new Case("HTTPRoute RequestMirror without a share mirrors everything", httpRoute("""
            filters: [{ type: RequestMirror, requestMirror: { backendRef: { name: ratings, port: 9080 } } }]
            """), c -> route(c, r -> r.mirror()), new Mirror("ratings.shop.svc.cluster.local_9080", 100), List.of()),
        new Case("HTTPRoute CORS filter", httpRoute("""
            filters:
              - type: CORS
                cors:
                  allowOrigins: ["https://shop.example.com", "https://*.example.com"]
                  allowMethods: [GET, PUT]
                  allowHeaders: [X-Token]
                  maxAge: 600
                  allowCredentials: true
            """), c -> route(c, r -> r.cors()), new Cors(List.of("https://shop.example.com", "https://*.example.com"),
                List.of("GET", "PUT"), List.of("x-token"), List.of(), Duration.ofMinutes(10), true), List.of()),
        new Case("HTTPRoute retry with backoff (a minimum, jitter on top), and backendRequest timeout", httpRoute("""
            retry: { codes: [502, 503], attempts: 3, backoff: 100ms }
            timeouts: { request: 10s, backendRequest: 2s }
            """), c -> List.of(route(c, r -> r.retries()), route(c, r -> r.timeout())),
            List.of(new io.gatehouse.routes.RetryPolicy(3, Duration.ofSeconds(2), true, false, java.util.Set.of(502, 503),
                false, new io.gatehouse.routes.RetryPolicy.Backoff(Duration.ofMillis(100), Duration.ofSeconds(1),
                    Duration.ofSeconds(10), Duration.ofMillis(100))), Duration.ofSeconds(10)), List.of()),
        new Case("HTTPRoute retry without backoff: Envoy's default backoff", httpRoute("""
            retry: { codes: [503], attempts: 1 }
            """), c -> route(c, r -> r.retries().backoff()), io.gatehouse.routes.RetryPolicy.Backoff.DEFAULT, List.of()),
        new Case("GRPCRoute: methods as paths, HTTP/2 backends", httpRoute("").replace("kind: HTTPRoute", "kind: GRPCRoute")
            .replace("    - backendRefs: [{ name: reviews, port: 9080 }]\n", """
                - matches:
                    - method: { service: shop.Cart, method: Add }
                    - method: { service: shop.Cart }
                    - method: { type: RegularExpression, method: "Get.*" }
                  backendRefs: [{ name: reviews, port: 9080 }]
            """), c -> List.of(c.routes().stream().map(r -> r.name() + " " + r.match().get(0).path()).toList(),
                reviews(c).protocol()),
            List.of(List.of("grpcroute.shop.web.0.0 Exact[path=/shop.Cart/Add]",
                "grpcroute.shop.web.0.1 Prefix[prefix=/shop.Cart/]",
                "grpcroute.shop.web.0.2 Regex[pattern=/([^/]+)/(Get.*)]"), Upstream.Protocol.HTTP2), List.of()),
        new Case("consistentHash on a header", destinationRule("""
            trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: X-User } } }
            """), c -> List.of(reviews(c).loadBalancer(), reviews(c).hashOn()),
            List.of(Upstream.LoadBalancer.CONSISTENT_HASH, new HashOn.Header("x-user")), List.of()),
        new Case("consistentHash on a cookie with ttl: the route sets a sticky session cookie", destinationRule("""
            trafficPolicy:
              loadBalancer:
                consistentHash:
                  httpCookie:
                    name: session
                    ttl: 1h
                    path: /shop
                    attributes: [{ name: SameSite, value: Strict }, { name: Secure }, { name: Partitioned }]
            """), c -> List.of(reviews(c).hashOn(), route(c, r -> r.stickySession())),
            List.of(new HashOn.Cookie("session"), new io.gatehouse.routes.StickySession("session", Duration.ofHours(1),
                "/shop", true, true, io.gatehouse.routes.StickySession.SameSite.STRICT)),
            List.of(":29: warning: DestinationRule shop/reviews: spec.trafficPolicy.loadBalancer.consistentHash"
                + ".httpCookie.attributes[2].name: cookie attribute \"Partitioned\" is not supported")),
        new Case("consistentHash on a cookie with ttl 0s: a session cookie", destinationRule("""
            trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: session, ttl: 0s } } } }
            """), c -> route(c, r -> r.stickySession()), new io.gatehouse.routes.StickySession("session", Duration.ZERO,
                "/", true, false, io.gatehouse.routes.StickySession.SameSite.UNSET), List.of()),
        new Case("consistentHash on a cookie without ttl: hashed, not set", destinationRule("""
            trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: session, path: / } } } }
            """), c -> List.of(reviews(c).hashOn(), route(c, r -> r.stickySession())),
            List.of(new HashOn.Cookie("session"), io.gatehouse.routes.StickySession.NONE),
            List.of(":22: warning: DestinationRule shop/reviews: spec.trafficPolicy.loadBalancer.consistentHash"
                + ".httpCookie.path: without ttl the gateway does not set the cookie")),
        new Case("consistentHash on the source IP", destinationRule("""
            trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } }
            """), c -> reviews(c).hashOn(), new HashOn.Client(), List.of()),
        new Case("connectionPool: limits and HTTP/2", destinationRule("""
            trafficPolicy:
              connectionPool:
                tcp: { maxConnections: 100 }
                http: { http1MaxPendingRequests: 10, http2MaxRequests: 1000, h2UpgradePolicy: UPGRADE, idleTimeout: 1s }
            """), c -> List.of(reviews(c).circuitBreaker(), reviews(c).protocol()),
            List.of(new CircuitBreaker(100, 10, 1000), Upstream.Protocol.HTTP2),
            List.of(":25: warning: DestinationRule shop/reviews: spec.trafficPolicy.connectionPool.http.idleTimeout:"
                + " not supported by this build yet; ignored")),
        new Case("outlierDetection: Istio's defaults, interval warned about", destinationRule("""
            trafficPolicy: { outlierDetection: { interval: 10s } }
            """), c -> reviews(c).outlierDetection(), new OutlierDetection(true, 5, Duration.ofSeconds(30), 10),
            List.of(":22: warning: DestinationRule shop/reviews: spec.trafficPolicy.outlierDetection.interval: not"
                + " supported: ejection counts every 5xx answer")),
        new Case("outlierDetection with consecutive5xxErrors", destinationRule("""
            trafficPolicy:
              outlierDetection: { consecutive5xxErrors: 3, baseEjectionTime: 1m, maxEjectionPercent: 50 }
            """), c -> reviews(c).outlierDetection(), new OutlierDetection(true, 3, Duration.ofMinutes(1), 50),
            List.of()),
        new Case("outlierDetection with consecutiveGatewayErrors: every 5xx counts", destinationRule("""
            trafficPolicy: { outlierDetection: { consecutiveGatewayErrors: 7 } }
            """), c -> reviews(c).outlierDetection().consecutiveErrors(), 7,
            List.of(":22: warning: DestinationRule shop/reviews: spec.trafficPolicy.outlierDetection"
                + ".consecutiveGatewayErrors: every 5xx counts")),
        new Case("portLevelSettings for the destination port override the rule's policy", destinationRule("""
            trafficPolicy:
              loadBalancer: { simple: RANDOM }
              connectionPool: { tcp: { maxConnections: 7 } }
              portLevelSettings:
                - port: { number: 9080 }
                  loadBalancer: { consistentHash: { useSourceIp: true } }
                - port: { number: 9999 }
                  loadBalancer: { simple: LEAST_REQUEST }
            """), c -> List.of(reviews(c).loadBalancer(), reviews(c).circuitBreaker().maxConnections()),
            List.of(Upstream.LoadBalancer.CONSISTENT_HASH, 7), List.of()),
        new Case("portLevelSettings for another port do not apply", destinationRule("""
            trafficPolicy:
              loadBalancer: { simple: RANDOM }
              portLevelSettings: [{ port: { number: 9999 }, loadBalancer: { simple: LEAST_REQUEST } }]
            """), c -> reviews(c).loadBalancer(), Upstream.LoadBalancer.RANDOM, List.of()),
        new Case("a Service port named grpc-* or with appProtocol http2 is spoken to in HTTP/2", """
            apiVersion: v1
            kind: Service
            metadata: { name: api, namespace: shop }
            spec:
              ports: [{ name: grpc-api, port: 9000 }, { name: web, port: 8080, appProtocol: kubernetes.io/h2c },
                      { name: grpc-web, port: 8081 }]
            ---
            """ + GATEWAY + """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: vs, namespace: shop }
            spec:
              hosts: [shop.example.com]
              gateways: [public]
              http:
                - { match: [{ uri: { prefix: /a } }], route: [{ destination: { host: api, port: { number: 9000 } } }] }
                - { match: [{ uri: { prefix: /b } }], route: [{ destination: { host: api, port: { number: 8080 } } }] }
                - route: [{ destination: { host: api, port: { number: 8081 } } }]
            """,
            c -> c.upstreams().stream().map(u -> u.name() + " " + u.protocol()).toList(),
            List.of("api.shop.svc.cluster.local_9000 HTTP2", "api.shop.svc.cluster.local_8080 HTTP2",
                "api.shop.svc.cluster.local_8081 HTTP1"), List.of()),
        new Case("consecutive5xxErrors 0 turns ejection off", destinationRule("""
            trafficPolicy: { outlierDetection: { consecutive5xxErrors: 0 } }
            """), c -> reviews(c).outlierDetection(), OutlierDetection.NONE, List.of()));
  }

  @TempDir Path dir;

  @ParameterizedTest
  @MethodSource("translated")
  void translated(Case c) throws IOException {
    Files.writeString(dir.resolve("services.yaml"), MeshFilesTest.SERVICES);
    Files.writeString(dir.resolve("mesh.yaml"), c.yaml());
    LoadResult result = ConfigLoader.loadDirectory(dir);
    if (result instanceof LoadResult.Rejected r) {
      throw new AssertionError(r.errors());
    }
    LoadResult.Loaded loaded = assertInstanceOf(LoadResult.Loaded.class, result);
    assertEquals(c.expected(), c.actual().apply(loaded.config()));
    List<String> warnings = loaded.warnings().stream().map(ConfigError::toString).toList();
    for (String expected : c.warnings()) {
      assertTrue(warnings.stream().anyMatch(w -> w.startsWith(dir.resolve("mesh.yaml") + expected)),
          "expected " + expected + " in " + warnings);
    }
    if (c.warnings().isEmpty()) {
      assertEquals(List.of(), warnings);
    }
  }

  record ErrorCase(String description, String yaml, String expected) {
    @Override public String toString() {
      return description;
    }
  }

  static Stream<ErrorCase> errors() {
    return Stream.of(
        new ErrorCase("an abort status out of range", virtualService("""
            fault: { abort: { httpStatus: 700, percentage: { value: 1 } } }
            """), ":16: VirtualService shop/vs: spec.http[0].fault.abort.httpStatus: an httpStatus 200..599 is required"),
        new ErrorCase("a percentage over 100", virtualService("""
            fault: { delay: { fixedDelay: 1s, percentage: { value: 150 } } }
            """), ":16: VirtualService shop/vs: spec.http[0].fault.delay.percentage.value: expected a percentage 0..100"),
        new ErrorCase("a mirror to an unknown service", virtualService("""
            mirror: { host: nowhere }
            """), ":16: VirtualService shop/vs: spec.http[0].mirror.host: \"nowhere\" is not a known service"),
        new ErrorCase("an HTTPRoute mirror share over 100 %", httpRoute("""
            filters: [{ type: RequestMirror, requestMirror: { backendRef: { name: ratings, port: 9080 }, percent: 120 } }]
            """), ":15: HTTPRoute shop/web: spec.rules[0].filters[0].requestMirror.percent: expected a share of requests"),
        new ErrorCase("an HTTPRoute retry backoff that is not a duration", httpRoute("""
            retry: { codes: [503], attempts: 1, backoff: soon }
            """), ":15: HTTPRoute shop/web: spec.rules[0].retry.backoff: \"soon\" is not a duration"),
        new ErrorCase("simple and consistentHash together", destinationRule("""
            trafficPolicy: { loadBalancer: { simple: RANDOM, consistentHash: { useSourceIp: true } } }
            """), ":22: DestinationRule shop/reviews: spec.trafficPolicy.loadBalancer: use simple or consistentHash, not both"),
        new ErrorCase("a bad upgrade policy", destinationRule("""
            trafficPolicy: { connectionPool: { http: { h2UpgradePolicy: SOMETIMES } } }
            """), ":22: DestinationRule shop/reviews: spec.trafficPolicy.connectionPool.http.h2UpgradePolicy: \"SOMETIMES\""
            + " is not an upgrade policy"),
        new ErrorCase("a connection limit past 2^32", destinationRule("""
            trafficPolicy: { connectionPool: { tcp: { maxConnections: 4294967297 } } }
            """), ":22: DestinationRule shop/reviews: spec.trafficPolicy.connectionPool.tcp.maxConnections: \"4294967297\""
            + " is out of range (expected a whole number 1..1000000000)"),
        new ErrorCase("a request limit past 2^31", destinationRule("""
            trafficPolicy: { connectionPool: { http: { http2MaxRequests: 2147483648 } } }
            """), ":22: DestinationRule shop/reviews: spec.trafficPolicy.connectionPool.http.http2MaxRequests:"
            + " \"2147483648\" is out of range (expected a whole number 1..1000000000)"));
  }

  @ParameterizedTest
  @MethodSource("errors")
  void locatedErrors(ErrorCase c) throws IOException {
    Files.writeString(dir.resolve("services.yaml"), MeshFilesTest.SERVICES);
    Files.writeString(dir.resolve("mesh.yaml"), c.yaml());
    LoadResult.Rejected rejected = assertInstanceOf(LoadResult.Rejected.class, ConfigLoader.loadDirectory(dir));
    List<String> errors = rejected.errors().stream().map(ConfigError::toString).toList();
    assertTrue(errors.stream().anyMatch(e -> e.startsWith(dir.resolve("mesh.yaml") + c.expected())),
        "expected " + c.expected() + " in " + errors);
  }
}
