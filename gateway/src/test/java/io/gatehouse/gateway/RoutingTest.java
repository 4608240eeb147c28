package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every match kind, redirects, direct responses and the gateway's own errors, end to end over real sockets. */
class RoutingTest {
  static Vertx vertx;
  static EchoUpstream a;
  static EchoUpstream b;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    a = EchoUpstream.start(vertx, "a");
    b = EchoUpstream.start(vertx, "b");
    gateway = TestGateway.start("""
        upstreams:
          - { name: a, endpoints: ["%s"] }
          - { name: b, endpoints: ["%s"] }
        routes:
          - name: exact-path
            hosts: [shop.example.com]
            match: [{ path: { exact: /exact } }]
            backends: [{ upstream: b }]
          - name: regex-path
            hosts: [shop.example.com]
            match: [{ path: { regex: "/items/[0-9]+" } }]
            backends: [{ upstream: b }]
          - name: post-only
            hosts: [shop.example.com]
            match: [{ path: { prefix: /orders }, methods: [POST] }]
            backends: [{ upstream: b }]
          - name: header-exact
            hosts: [shop.example.com]
            match: [{ path: { prefix: /h }, headers: { x-canary: { exact: "1" } } }]
            backends: [{ upstream: b }]
          - name: header-prefix
            hosts: [shop.example.com]
            match: [{ path: { prefix: /h }, headers: { x-team: { prefix: "pay" } } }]
            directResponse: { status: 200, body: "header-prefix" }
          - name: header-regex
            hosts: [shop.example.com]
            match: [{ path: { prefix: /h }, headers: { x-version: { regex: "v[0-9]+" } } }]
            directResponse: { status: 200, body: "header-regex" }
          - name: header-present
            hosts: [shop.example.com]
            match: [{ path: { prefix: /h }, headers: { x-debug: { present: true } } }]
            directResponse: { status: 200, body: "header-present" }
          - name: query
            hosts: [shop.example.com]
            match: [{ path: { prefix: /q }, query: { v: { exact: "2" } } }]
            directResponse: { status: 200, body: "query-v2" }
          - name: wildcard-host
            hosts: ["*.shop.test"]
            directResponse: { status: 200, body: "wildcard" }
          - name: redirect
            hosts: [old.example.com]
            redirect: { scheme: https, host: new.example.com, status: 308 }
          - name: teapot
            hosts: [shop.example.com]
            match: [{ path: { exact: /teapot } }]
            directResponse: { status: 418, body: "short and stout" }
            headers: { response: { set: { x-kind: teapot } } }
          - name: shop-default
            hosts: [shop.example.com]
            backends: [{ upstream: a }]
        """.formatted(a.address(), b.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    a.close();
    b.close();
    vertx.close();
  }

  private static String upstreamOf(TestGateway.TestResponse r) {
    assertEquals(200, r.status(), r.body());
    return new JsonObject(r.body()).getString("upstream");
  }

  private static TestGateway.TestResponse shop(String path, Map<String, String> headers) {
    java.util.Map<String, String> all = new java.util.HashMap<>(headers);
    all.put("Host", "shop.example.com");
    return gateway.get(path, all);
  }

  @Test
  void exactPathMatchesOnlyTheWholePath() {
    assertEquals("b", upstreamOf(shop("/exact", Map.of())));
    assertEquals("a", upstreamOf(shop("/exact/more", Map.of())));
  }

  @Test
  void dotSegmentsAreResolvedBeforeMatchingAndForwarding() {
    assertEquals("b", upstreamOf(shop("/public/../exact", Map.of())));
    assertEquals("/exact", b.lastRequest().uri());
    assertEquals("b", upstreamOf(shop("/public/%2e%2E/items/./7?x=1", Map.of())));
    assertEquals("/items/7?x=1", b.lastRequest().uri());
  }

  @Test
  void regexPathMatchesTheWholePath() {
    assertEquals("b", upstreamOf(shop("/items/42", Map.of())));
    assertEquals("a", upstreamOf(shop("/items/abc", Map.of())));
  }

  @Test
  void methodsRestrictTheMatch() {
    TestGateway.TestResponse post = gateway.send(gateway.request("/orders", Map.of("Host", "shop.example.com"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    assertEquals("b", upstreamOf(post));
    assertEquals("a", upstreamOf(shop("/orders", Map.of())));
  }

  @Test
  void headerMatchesExactPrefixRegexAndPresence() {
    assertEquals("b", upstreamOf(shop("/h", Map.of("x-canary", "1"))));
    assertEquals("a", upstreamOf(shop("/h", Map.of("x-canary", "2"))));
    assertEquals("header-prefix", shop("/h", Map.of("x-team", "payments")).body());
    assertEquals("header-regex", shop("/h", Map.of("x-version", "v12")).body());
    assertEquals("a", upstreamOf(shop("/h", Map.of("x-version", "v12-beta"))));
    assertEquals("header-present", shop("/h", Map.of("x-debug", "")).body());
  }

  @Test
  void queryParameterMatch() {
    assertEquals("query-v2", shop("/q?v=2", Map.of()).body());
    assertEquals("a", upstreamOf(shop("/q?v=3", Map.of())));
  }

  @Test
  void hostsMatchExactAndWildcardIgnoringCaseAndPort() {
    assertEquals("wildcard", gateway.get("/", Map.of("Host", "api.shop.test")).body());
    assertEquals("wildcard", gateway.get("/", Map.of("Host", "A.B.SHOP.TEST:8080")).body());
    assertEquals("a", upstreamOf(gateway.get("/", Map.of("Host", "SHOP.example.com:1234"))));
  }

  @Test
  void unknownHostGetsJson404WithReason() {
    TestGateway.TestResponse r = gateway.get("/", Map.of("Host", "shop.test"));
    assertEquals(404, r.status());
    assertEquals("route_not_found", r.header("x-gatehouse-reason"));
    JsonObject body = new JsonObject(r.body());
    assertEquals("route_not_found", body.getString("reason"));
    assertNotNull(body.getString("error"));
    assertEquals(r.header("x-request-id"), body.getString("requestId"));
  }

  @Test
  void redirectKeepsPathAndQuery() {
    TestGateway.TestResponse r = gateway.get("/cart?id=7", Map.of("Host", "old.example.com"));
    assertEquals(308, r.status());
    assertEquals("https://new.example.com/cart?id=7", r.header("location"));
  }

  @Test
  void directResponseWithResponseHeaders() {
    TestGateway.TestResponse r = shop("/teapot", Map.of());
    assertEquals(418, r.status());
    assertEquals("short and stout", r.body());
    assertEquals("teapot", r.header("x-kind"));
    assertNull(r.header("x-gatehouse-reason"), "a configured response is not a gateway error");
  }

  @Test
  void forwardingHeadersAreAddedAndHopByHopHeadersStripped() {
    shop("/fwd", Map.of("x-forwarded-for", "203.0.113.9", "Connection", "x-secret", "x-secret", "s3cret",
        "Proxy-Authorization", "Basic Zm9vOmJhcg==", "x-forwarded-proto", "https"));
    EchoUpstream.Received got = a.lastRequest();
    assertEquals("127.0.0.1", got.header("x-forwarded-for"), "a client that is no trusted proxy cannot name another client");
    assertEquals("http", got.header("x-forwarded-proto"), "a client's claim of https is not trusted");
    assertTrue(got.header("x-forwarded-host").startsWith("shop.example.com"));
    assertEquals("shop.example.com", got.header("host"));
    assertNull(got.header("x-secret"), "headers named in Connection are hop-by-hop");
    assertNull(got.header("proxy-authorization"));
    assertEquals(32, got.header("x-request-id").length());
  }

  @Test
  void aClientCannotForgeItsCertificateIdentity() {
    TestGateway.TestResponse r = shop("/xfcc", Map.of("x-forwarded-client-cert", "URI=spiffe://cluster.local/ns/shop/sa/admin"));
    assertEquals(200, r.status());
    assertNull(a.lastRequest().header("x-forwarded-client-cert"), "no verified certificate on plain HTTP: no identity");
  }

  @Test
  void requestIdIsPassedThroughWhenSane() {
    shop("/id", Map.of("x-request-id", "abc-123"));
    assertEquals("abc-123", a.lastRequest().header("x-request-id"));
    shop("/id", Map.of("x-request-id", "bad id with spaces"));
    assertEquals(32, a.lastRequest().header("x-request-id").length());
  }

  @Test
  void accessLogHasOneJsonLinePerRequest() {
    shop("/logged?x=1", Map.of("x-request-id", "log-me-1"));
    Await.until("access log line", 5, () -> gateway.accessLog().contains("log-me-1"));
    String line = gateway.accessLog().lines().filter(l -> l.contains("log-me-1")).findFirst().orElseThrow();
    JsonObject entry = new JsonObject(line);
    assertEquals("shop-default", entry.getString("route"));
    assertEquals("a", entry.getString("upstream"));
    assertEquals(a.address(), entry.getString("endpoint"));
    assertEquals(200, entry.getInteger("status"));
    assertEquals("/logged", entry.getString("path"));
    assertEquals("GET", entry.getString("method"));
    assertTrue(entry.getLong("durationMicros") > 0);
  }
}
