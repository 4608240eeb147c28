package io.gatehouse.routes.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.CircuitBreaker;
import io.gatehouse.routes.Admin;
import io.gatehouse.routes.DataSize;
import io.gatehouse.routes.Egress;
import io.gatehouse.routes.EgressRule;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.HashOn;
import io.gatehouse.routes.HealthCheck;
import io.gatehouse.routes.HeaderOps;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.OutlierDetection;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.RetryBudget;
import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Rewrite;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.StringMatch;
import io.gatehouse.routes.StickySession;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.UpstreamTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void embeddedDefaultLoads() {
    GatewayConfig config = loaded(ConfigLoader.load(ConfigLoader.embeddedDefault()));
    assertEquals(new Admin(9901, "127.0.0.1", Optional.empty()), config.admin());
    assertEquals(9000, config.demo().echoPort());
    assertEquals(List.of("status", "demo"), config.routes().stream().map(Route::name).toList());
    assertEquals(new Action.Forward(List.of(new Action.Backend("demo-echo", 1))), config.routes().get(1).action());
  }

  @Test
  void designExampleLoadsIntoRecords() throws IOException {
    Files.createDirectories(dir.resolve("certs"));
    for (String f : List.of("shop.crt", "shop.key", "wild.crt", "wild.key")) {
      Files.writeString(dir.resolve("certs").resolve(f), "placeholder");
    }
    Files.writeString(dir.resolve("gatehouse.yaml"), """
        admin: { port: 9901, address: 127.0.0.1, tokenFile: null }
        listeners:
          - { name: http,  port: 8080, protocol: HTTP }
          - name: https
            port: 8443
            protocol: HTTPS
            tls:
              certificates:
                - { hosts: [shop.example.com], cert: certs/shop.crt, key: certs/shop.key }
                - { hosts: ["*.example.com"],  cert: certs/wild.crt, key: certs/wild.key }
              clientAuth: NONE
              minVersion: TLSv1.2
        upstreams:
          - name: shop-v1
            endpoints: ["127.0.0.1:9001", "shop-v1.default.svc:8080"]
            loadBalancer: ROUND_ROBIN
            tls: null
          - { name: shop-v2, endpoints: ["[::1]:9002"], loadBalancer: LEAST_REQUEST, tls: { sni: shop.internal } }
        routes:
          - name: shop
            hosts: [shop.example.com, "*.shop.test"]
            match:
              - path: { prefix: /api }
                methods: [GET, POST]
                headers: { X-Canary: { exact: "1" } }
                query: { debug: { present: true } }
            backends:
              - { upstream: shop-v1, weight: 90 }
              - { upstream: shop-v2, weight: 10 }
            rewrite: { prefix: /, host: shop.internal }
            headers:
              request:  { set: { x-env: prod }, remove: [x-debug] }
              response: { set: { x-served-by: gatehouse } }
            timeout: 5s
            retries: { attempts: 2, perTryTimeout: 1s, on: [connect-failure, reset, "503"] }
        egress:
          mode: REGISTRY_ONLY
          allow:
            - { host: api.github.com, ports: [443] }
            - { host: "*.googleapis.com", ports: [443] }
            - { cidr: 203.0.113.0/24, ports: [443] }
        """);
    GatewayConfig config = loaded(ConfigLoader.loadDirectory(dir));

    String certs = dir.resolve("certs").toAbsolutePath() + "/";
    assertEquals(List.of(
        Listener.builder("http", 8080, Listener.Protocol.HTTP).build(),
        Listener.builder("https", 8443, Listener.Protocol.HTTPS).tls(new ListenerTls(List.of(
            new ListenerTls.CertificateRef(List.of("shop.example.com"), certs + "shop.crt", certs + "shop.key"),
            new ListenerTls.CertificateRef(List.of("*.example.com"), certs + "wild.crt", certs + "wild.key")),
            ListenerTls.ClientAuth.NONE, "", "TLSv1.2", List.of())).build()), config.listeners());
    assertEquals(List.of(
        new Upstream("shop-v1", List.of(new Upstream.Endpoint("127.0.0.1", 9001), new Upstream.Endpoint("shop-v1.default.svc", 8080)),
            Upstream.LoadBalancer.ROUND_ROBIN, UpstreamTls.NONE),
        new Upstream("shop-v2", List.of(new Upstream.Endpoint("::1", 9002)), Upstream.LoadBalancer.LEAST_REQUEST,
            new UpstreamTls(true, "shop.internal", "", "", "", true))), config.upstreams());
    assertEquals(Route.builder("shop",
            new Action.Forward(List.of(new Action.Backend("shop-v1", 90), new Action.Backend("shop-v2", 10))))
        .hosts(List.of("shop.example.com", "*.shop.test"))
        .match(List.of(new RequestMatch(new PathMatch.Prefix("/api"), Set.of("GET", "POST"),
            Map.of("x-canary", new StringMatch.Exact("1")), Map.of("debug", new StringMatch.Present()))))
        .rewrite(new Rewrite(new Rewrite.PathRewrite.Prefix("/"), "shop.internal"))
        .headers(new HeaderOps(new HeaderOps.Edits(Map.of("x-env", "prod"), Map.of(), List.of("x-debug")),
            new HeaderOps.Edits(Map.of("x-served-by", "gatehouse"), Map.of(), List.of())))
        .timeout(Duration.ofSeconds(5))
        .retries(new RetryPolicy(2, Duration.ofSeconds(1), true, true, Set.of(503), false)).build(), config.routes().get(0));
    assertEquals(new Egress(Egress.Mode.REGISTRY_ONLY, List.of(
        new EgressRule("api.github.com", new EgressRule.Destination.Host("api.github.com"), List.of(443)),
        new EgressRule("*.googleapis.com", new EgressRule.Destination.Host("*.googleapis.com"), List.of(443)),
        new EgressRule("203.0.113.0/24", new EgressRule.Destination.Cidr("203.0.113.0/24"), List.of(443)))), config.egress());
  }

  @Test
  void anEndpointMayStateTheWorkloadBehindIt() throws IOException {
    Files.writeString(dir.resolve("gw.yaml"), """
        upstreams:
          - name: reviews
            endpoints:
              - "127.0.0.1:9001"
              - address: "10.0.0.7:9080"
                workload: { name: reviews-v1, namespace: shop, app: reviews, version: v1, serviceAccount: bookinfo-reviews, cluster: east }
              - address: "[::1]:9080"
                workload: { identity: "spiffe://other.domain/ns/x/sa/y" }
        """);
    List<Upstream.Endpoint> endpoints = loaded(ConfigLoader.loadDirectory(dir)).upstreams().get(0).endpoints();
    assertEquals(new Upstream.Endpoint("127.0.0.1", 9001), endpoints.get(0));
    assertEquals(Upstream.Workload.NONE, endpoints.get(0).workload());
    Upstream.Workload reviews = new Upstream.Workload("reviews-v1", "shop", "reviews", "v1", "bookinfo-reviews", "", "east");
    assertEquals(new Upstream.Endpoint("10.0.0.7", 9080, reviews), endpoints.get(1));
    assertEquals("spiffe://cluster.local/ns/shop/sa/bookinfo-reviews", reviews.spiffeId("cluster.local"));
    assertEquals("[::1]:9080", endpoints.get(2).toString());
    assertEquals("spiffe://other.domain/ns/x/sa/y", endpoints.get(2).workload().spiffeId("cluster.local"));
    assertEquals("", Upstream.Workload.NONE.spiffeId("cluster.local"));
  }

  @Test
  void filesAndDocumentsMergeInNameOrderWithDefaults() throws IOException {
    Files.writeString(dir.resolve("b-routes.yml"), """
        routes:
          - { name: second, backends: [{ upstream: u }] }
        ---
        routes:
          - name: third
            redirect: { scheme: https }
        """);
    Files.writeString(dir.resolve("a-base.yaml"), """
        listeners: [{ name: web, port: 0 }]
        upstreams: [{ name: u, endpoints: ["Backend.Example.COM.:80"] }]
        routes: [{ name: first, directResponse: { status: 204 } }]
        """);
    Files.writeString(dir.resolve("notes.txt"), "not: [config");
    Files.writeString(dir.resolve(".hidden.yaml"), "not: [config");
    Files.writeString(dir.resolve("empty.yaml"), "");
    GatewayConfig config = loaded(ConfigLoader.loadDirectory(dir));

    assertEquals(List.of("first", "second", "third"), config.routes().stream().map(Route::name).toList());
    Route second = config.routes().get(1);
    assertEquals(List.of("*"), second.hosts());
    assertEquals(List.of(RequestMatch.ANY), second.match());
    assertEquals(Duration.ofSeconds(15), second.timeout());
    assertEquals(RetryPolicy.DEFAULT, second.retries());
    assertEquals(HeaderOps.NONE, second.headers());
    assertEquals(Rewrite.NONE, second.rewrite());
    assertEquals(new Action.Redirect("https", "", 0, "", 301), config.routes().get(2).action());
    assertEquals(new Upstream.Endpoint("backend.example.com", 80), config.upstreams().get(0).endpoints().get(0));
    assertEquals(Admin.DEFAULT, config.admin());
    assertEquals(Egress.DENY_ALL, config.egress());
  }

  @Test
  void retryConditionsExpand() {
    GatewayConfig config = loaded(ConfigLoader.load(List.of(new ConfigFile("r.yaml", """
        routes:
          - { name: a, directResponse: { status: 200 }, retries: { attempts: 3, on: [gateway-error, "429"], nonIdempotent: true } }
          - { name: b, directResponse: { status: 200 }, retries: { on: [5xx] } }
          - { name: c, directResponse: { status: 200 }, retries: { attempts: 0 } }
        """, dir))));
    assertEquals(new RetryPolicy(3, Duration.ZERO, false, false, Set.of(502, 503, 504, 429), true), config.routes().get(0).retries());
    assertEquals(100, config.routes().get(1).retries().onStatuses().size());
    assertEquals(0, config.routes().get(2).retries().attempts());
  }

  @Test
  void retryBackoffDefaultsToEnvoysAndAMaxOfTenTimesItsBase() {
    GatewayConfig config = loaded(ConfigLoader.load(List.of(new ConfigFile("r.yaml", """
        routes:
          - { name: a, directResponse: { status: 200 }, retries: { attempts: 2 } }
          - { name: b, directResponse: { status: 200 }, retries: { backoff: { base: 100ms } } }
          - { name: c, directResponse: { status: 200 }, retries: { backoff: { base: 10ms, max: 40ms, maxRetryAfter: 0s } } }
          - { name: d, directResponse: { status: 200 }, retries: { backoff: { base: 50ms, min: 200ms } } }
        """, dir))));
    assertEquals(new RetryPolicy.Backoff(Duration.ofMillis(25), Duration.ofMillis(250), Duration.ofSeconds(10)),
        config.routes().get(0).retries().backoff());
    assertEquals(new RetryPolicy.Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(10)),
        config.routes().get(1).retries().backoff());
    assertEquals(new RetryPolicy.Backoff(Duration.ofMillis(10), Duration.ofMillis(40), Duration.ZERO),
        config.routes().get(2).retries().backoff());
    assertEquals(new RetryPolicy.Backoff(Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofSeconds(10),
        Duration.ofMillis(200)), config.routes().get(3).retries().backoff(), "min is the least wait, under the jitter");
    assertEquals(Duration.ZERO, config.routes().get(0).retries().backoff().min(), "Envoy's backoff has no minimum");
  }

  @Test
  void anchorsAndAliasesAreResolved() {
    GatewayConfig config = loaded(ConfigLoader.load(List.of(new ConfigFile("a.yaml", """
        upstreams:
          - { name: u, endpoints: &endpoints ["127.0.0.1:9001"] }
          - { name: v, endpoints: *endpoints }
        routes:
          - name: a
            backends: [{ upstream: u }]
            headers: &edits { response: { set: { x-served-by: gatehouse } } }
          - { name: b, backends: [{ upstream: v }], headers: *edits }
        """, dir))));
    assertEquals(config.upstreams().get(0).endpoints(), config.upstreams().get(1).endpoints());
    assertEquals(config.routes().get(0).headers(), config.routes().get(1).headers());
    assertEquals(Map.of("x-served-by", "gatehouse"), config.routes().get(1).headers().response().set());
  }

  @Test
  void listenerUpstreamAndRouteDefaultsAreTheModelBuilders() {
    GatewayConfig config = loaded(ConfigLoader.load(List.of(new ConfigFile("d.yaml", """
        listeners: [{ name: web, port: 8080 }, { name: tunnel, port: 9000, protocol: TCP }]
        upstreams: [{ name: u, endpoints: ["u.svc:80"], tls: {} }]
        routes: [{ name: r, backends: [{ upstream: u }] }]
        egress: { allow: [{ host: "API.Example.com.", ports: [443, 8443] }] }
        """, dir))));
    assertEquals(List.of(Listener.builder("web", 8080, Listener.Protocol.HTTP).build(),
        Listener.builder("tunnel", 9000, Listener.Protocol.TCP).build()), config.listeners());
    assertEquals(Listener.Tunnels.WEBSOCKET, config.listeners().get(0).tunnels());
    assertEquals(Listener.Tunnels.DEFAULT, config.listeners().get(1).tunnels());
    assertEquals(Route.builder("r", new Action.Forward(List.of(new Action.Backend("u", 1)))).build(), config.routes().get(0));
    assertEquals(Route.DEFAULT_TIMEOUT, config.routes().get(0).timeout());
    assertEquals(RetryPolicy.DEFAULT, config.routes().get(0).retries());
    assertEquals(new Upstream("u", List.of(new Upstream.Endpoint("u.svc", 80)), Upstream.LoadBalancer.ROUND_ROBIN,
        new UpstreamTls(true, "", "", "", "", true)), config.upstreams().get(0));
    assertEquals(new Egress(Egress.Mode.REGISTRY_ONLY, List.of(new EgressRule("API.Example.com.",
        new EgressRule.Destination.Host("api.example.com"), List.of(443, 8443)))), config.egress());
    assertEquals(Admin.DEFAULT, config.admin());
    assertEquals(io.gatehouse.routes.Demo.NONE, config.demo());
  }

  @Test
  void aZeroRouteTimeoutIsNoTimeoutAndALongOneIsKept() {
    GatewayConfig config = loaded(ConfigLoader.load(List.of(new ConfigFile("t.yaml", """
        listeners: [{ name: web, port: 8080 }]
        routes:
          - { name: none, timeout: 0s, directResponse: { status: 200 } }
          - { name: year, timeout: 8760h, directResponse: { status: 200 } }
        """, dir))));
    assertEquals(Route.NO_TIMEOUT, config.routes().get(0).timeout());
    assertEquals(Duration.ofDays(365), config.routes().get(1).timeout());
  }

  @Test
  void trafficPolicyKeysLoadWithDefaultsForWhatIsLeftOut() {
    GatewayConfig config = loaded(ConfigLoader.load(List.of(new ConfigFile("p.yaml", """
        upstreams:
          - name: shop-v1
            endpoints: ["127.0.0.1:9001"]
            loadBalancer: CONSISTENT_HASH
            hashOn: header:X-User
            healthCheck: { path: /healthz, interval: 5s, timeout: 1s, healthyThreshold: 2, unhealthyThreshold: 3 }
            outlierDetection: { consecutiveErrors: 5, baseEjectionTime: 30s, maxEjectionPercent: 50 }
            circuitBreaker: { maxConnections: 100, maxPendingRequests: 256, maxRequests: 1024 }
            retryBudget: { percent: 25, minRetries: 5 }
          - { name: cookie, endpoints: ["h:1"], loadBalancer: CONSISTENT_HASH, hashOn: "cookie:Session",
              healthCheck: { path: /h }, outlierDetection: {}, circuitBreaker: { maxRequests: 10 } }
          - { name: client, endpoints: ["h:1"], loadBalancer: CONSISTENT_HASH, hashOn: client }
        """, dir))));
    Upstream full = config.upstreams().get(0);
    assertEquals(new HashOn.Header("x-user"), full.hashOn());
    assertEquals(new HealthCheck(true, "/healthz", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3), full.healthCheck());
    assertEquals(new OutlierDetection(true, 5, Duration.ofSeconds(30), 50), full.outlierDetection());
    assertEquals(new CircuitBreaker(100, 256, 1024), full.circuitBreaker());
    assertEquals(new RetryBudget(25, 5), full.retryBudget());
    Upstream defaults = config.upstreams().get(1);
    assertEquals(new HashOn.Cookie("Session"), defaults.hashOn());
    assertEquals(new HealthCheck(true, "/h", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3), defaults.healthCheck());
    assertEquals(new OutlierDetection(true, 5, Duration.ofSeconds(30), 10), defaults.outlierDetection());
    assertEquals(new CircuitBreaker(1024, CircuitBreaker.UNLIMITED, 10), defaults.circuitBreaker());
    assertEquals(RetryBudget.DEFAULT, defaults.retryBudget());
    Upstream absent = config.upstreams().get(2);
    assertEquals(new HashOn.Client(), absent.hashOn());
    assertEquals(HealthCheck.NONE, absent.healthCheck());
    assertEquals(OutlierDetection.NONE, absent.outlierDetection());
    assertEquals(CircuitBreaker.DEFAULT, absent.circuitBreaker());
  }

  @Test
  void stickySessionsLoadWithDefaultAttributes() {
    GatewayConfig config = loaded(ConfigLoader.load(List.of(new ConfigFile("s.yaml", """
        upstreams: [{ name: shop, endpoints: ["127.0.0.1:9001", "127.0.0.1:9002"] }]
        routes:
          - { name: short, backends: [{ upstream: shop }], stickySession: { cookie: gh-shop, ttl: 1h } }
          - name: full
            backends: [{ upstream: shop }]
            stickySession: { cookie: gh-full, path: /cart, httpOnly: false, sameSite: None, secure: true }
          - { name: plain, backends: [{ upstream: shop }] }
        """, dir))));
    assertEquals(StickySession.of("gh-shop", Duration.ofHours(1)), config.routes().get(0).stickySession());
    assertEquals(new StickySession("gh-shop", Duration.ofHours(1), "/", true, false, StickySession.SameSite.LAX),
        config.routes().get(0).stickySession());
    assertEquals(new StickySession("gh-full", Duration.ZERO, "/cart", false, true, StickySession.SameSite.NONE),
        config.routes().get(1).stickySession());
    assertEquals(StickySession.NONE, config.routes().get(2).stickySession());
    assertFalse(StickySession.NONE.enabled());
  }

  @Test
  void commentsOnlyAndEmptyDocumentsAreFine() {
    GatewayConfig config = loaded(ConfigLoader.load(List.of(
        new ConfigFile("a.yaml", "# nothing here yet\n", dir),
        new ConfigFile("b.yaml", "---\n---\nroutes: []\n---\n", dir))));
    assertEquals(GatewayConfig.EMPTY, config);
  }

  @Test
  void durationsAndSizes() {
    assertEquals(Optional.of(Duration.ofMillis(250)), Values.duration("250ms"));
    assertEquals(Optional.of(Duration.ofMinutes(1)), Values.duration("1m"));
    assertEquals(Optional.of(Duration.ofHours(2)), Values.duration("2h"));
    assertEquals(Optional.empty(), Values.duration("5"));
    assertEquals(Optional.empty(), Values.duration("-1s"));
    assertEquals(Optional.of(new DataSize(512 * 1024)), Values.size("512KiB"));
    assertEquals(Optional.of(new DataSize(10L << 20)), Values.size("10MiB"));
    assertEquals(Optional.of(new DataSize(1_000_000)), Values.size("1MB"));
    assertEquals(Optional.empty(), Values.size("10 MiB"));
    assertEquals(Optional.of(new DataSize(1L << 30)), DataSize.parse("1GiB"));
    assertEquals(Optional.of(new DataSize(100)), DataSize.parse("100B"));
    assertEquals(Optional.empty(), DataSize.parse("100"), "a unit is required");
    assertEquals(Optional.empty(), DataSize.parse("10mib"));
    assertEquals(Optional.empty(), DataSize.parse("-1KiB"));
    assertEquals(Optional.empty(), DataSize.parse("999999999999999999GiB"), "too large for a long");
    assertEquals(Optional.empty(), Values.duration("0"), "a unit is required, even for zero");
    assertEquals(Optional.of(Duration.ZERO), Values.duration("0s"));
  }

  private static GatewayConfig loaded(LoadResult result) {
    if (result instanceof LoadResult.Rejected rejected) {
      throw new AssertionError("expected a config, got " + rejected.errors());
    }
    return assertInstanceOf(LoadResult.Loaded.class, result).config();
  }
}
