package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.gateway.upstream.EndpointState;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Upstream resilience against real upstreams that fail on command: health checks, outlier
 * ejection, the circuit breaker, the retry budget, and consistent hashing.
 */
class UpstreamPolicyTest {
  Vertx vertx;
  EchoUpstream a;
  EchoUpstream b;
  TestGateway gateway;
  final List<HttpServerRequest> held = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    a = EchoUpstream.start(vertx, "a");
    b = EchoUpstream.start(vertx, "b");
  }

  @AfterEach
  void stop() {
    held.forEach(r -> r.response().end());
    if (gateway != null) {
      gateway.close();
    }
    a.close();
    b.close();
    vertx.close();
  }

  private UpstreamClient live(String upstream) {
    return gateway.gatehouse.dataplane().current().upstreams().get(upstream);
  }

  private EndpointState endpoint(String upstream, EchoUpstream server) {
    return live(upstream).endpoints().stream().filter(e -> e.label().equals(server.address())).findFirst().orElseThrow();
  }

  private String metrics() {
    return gateway.admin("/metrics").body();
  }

  private CompletableFuture<HttpResponse<String>> sendAsync(String path, Map<String, String> headers) {
    return gateway.client().sendAsync(gateway.request(path, headers).GET().build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void healthChecksTakeAKilledEndpointOutMidLoadAndBringItBack() throws Exception {
    gateway = TestGateway.start("""
        upstreams:
          - name: u
            endpoints: ["%s", "%s"]
            healthCheck: { path: /healthz, interval: 100ms, timeout: 1s, healthyThreshold: 1, unhealthyThreshold: 2 }
        routes: [{ name: r, backends: [{ upstream: u }] }]
        """.formatted(a.address(), b.address()));
    Await.until("health checks reach both endpoints", 10,
        () -> a.requests().stream().anyMatch(r -> r.uri().equals("/healthz"))
            && b.requests().stream().anyMatch(r -> r.uri().equals("/healthz")));
    AtomicBoolean loading = new AtomicBoolean(true);
    List<Integer> statuses = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
      while (loading.get()) {
        statuses.add(gateway.get("/load").status());
      }
    });
    Await.until("load reaches b", 10, () -> b.requests().stream().anyMatch(r -> r.uri().equals("/load")));

    b.kill();
    Await.until("b leaves the balancer", 10, () -> !endpoint("u", b).healthy());
    assertTrue(metrics().contains("gatehouse_upstream_endpoint_healthy{endpoint=\"" + b.address() + "\",upstream=\"u\"} 0.0"));
    for (int i = 0; i < 20; i++) {
      TestGateway.TestResponse response = gateway.get("/while-down");
      assertEquals(200, response.status());
      assertEquals("a", response.header("x-upstream"), "a killed endpoint gets no requests");
    }

    b.revive();
    Await.until("b is healthy again", 10, () -> endpoint("u", b).healthy());
    Await.until("b serves again", 10, () -> gateway.get("/after").header("x-upstream").equals("b"));
    loading.set(false);
    load.get();
    long failed = statuses.stream().filter(s -> s != 200).count();
    assertTrue(statuses.size() > 20, "the load ran: " + statuses.size() + " requests");
    assertTrue(failed <= 2, failed + " of " + statuses.size() + " requests failed while b was killed"
        + " (only one caught on the wire may)");
  }

  @Test
  void outlierDetectionEjectsAFailingEndpointUntilItsTimeIsUp() {
    b.on("/", r -> r.response().setStatusCode(500).end("broken"));
    gateway = TestGateway.start("""
        upstreams:
          - name: u
            endpoints: ["%s", "%s"]
            outlierDetection: { consecutiveErrors: 3, baseEjectionTime: 1s, maxEjectionPercent: 50 }
        routes: [{ name: r, backends: [{ upstream: u }], retries: { attempts: 0 } }]
        """.formatted(a.address(), b.address()));
    int served500 = 0;
    long beforeEjection = 0;
    for (int i = 0; i < 6; i++) {
      beforeEjection = System.nanoTime();
      served500 += gateway.get("/x").status() == 500 ? 1 : 0;
    }
    assertEquals(3, served500, "round robin sends b every other request until its third 5xx");
    assertTrue(endpoint("u", b).ejected(System.nanoTime()));
    for (int i = 0; i < 10; i++) {
      assertEquals(200, gateway.get("/while-ejected").status(), "the ejected endpoint gets no requests");
    }
    Await.until("the ejection expires", 10, () -> !endpoint("u", b).ejected(System.nanoTime()));
    long ejectedMillis = (System.nanoTime() - beforeEjection) / 1_000_000;
    assertTrue(ejectedMillis >= 1_000 && ejectedMillis < 5_000, "ejected for about " + ejectedMillis + "ms (base ejection time 1s)");
    Await.until("b gets requests again", 10, () -> gateway.get("/back").status() == 500);
    assertTrue(metrics().contains("gatehouse_upstream_ejections_total{endpoint=\"" + b.address() + "\",upstream=\"u\"} 1.0"),
        "ejections are counted");
  }

  @Test
  void circuitBreakerAnswersOverflowAtOnceWhenRequestsAreAtTheLimit() throws Exception {
    a.on("/slow", held::add);
    gateway = TestGateway.start("""
        upstreams: [{ name: u, endpoints: ["%s"], circuitBreaker: { maxRequests: 2 } }]
        routes: [{ name: r, backends: [{ upstream: u }] }]
        """.formatted(a.address()));
    List<CompletableFuture<HttpResponse<String>>> slow = List.of(sendAsync("/slow", Map.of()), sendAsync("/slow", Map.of()));
    Await.until("two requests held upstream", 10, () -> held.size() == 2);

    long start = System.nanoTime();
    TestGateway.TestResponse overflow = gateway.get("/fast");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(503, overflow.status());
    assertEquals("overflow", overflow.header("x-gatehouse-reason"));
    assertTrue(overflow.body().contains("\"reason\":\"overflow\""), overflow.body());
    assertEquals("0", overflow.header("x-gatehouse-attempts"), "nothing was sent upstream");
    assertTrue(millis < 5_000, "overflow took " + millis + "ms (the route timeout is 15s)");

    held.forEach(r -> r.response().end("done"));
    held.clear();
    for (CompletableFuture<HttpResponse<String>> f : slow) {
      HttpResponse<String> response = f.get();
      assertEquals(200, response.statusCode());
      assertEquals("1", response.headers().firstValue("x-gatehouse-attempts").orElse(null));
    }
    assertEquals(200, gateway.get("/fast").status(), "slots are released");
    assertTrue(metrics().contains("gatehouse_upstream_overflows_total{limit=\"requests\",upstream=\"u\"} 1.0"), metrics());
  }

  @Test
  void circuitBreakerLimitsRequestsWaitingForAConnection() throws Exception {
    a.on("/slow", held::add);
    gateway = TestGateway.start("""
        upstreams: [{ name: u, endpoints: ["%s"], circuitBreaker: { maxConnections: 1, maxPendingRequests: 1 } }]
        routes: [{ name: r, backends: [{ upstream: u }] }]
        """.formatted(a.address()));
    CompletableFuture<HttpResponse<String>> first = sendAsync("/slow", Map.of());
    Await.until("the first request holds the only connection", 10, () -> held.size() == 1);
    CompletableFuture<HttpResponse<String>> second = sendAsync("/slow", Map.of());
    Await.until("the second request waits for a connection", 10, () -> live("u").pendingRequests() == 1);

    TestGateway.TestResponse overflow = gateway.get("/fast");
    assertEquals(503, overflow.status());
    assertEquals("overflow", overflow.header("x-gatehouse-reason"));
    assertEquals(1, a.requests().size(), "neither the waiting nor the refused request reached the upstream");

    held.get(0).response().end("one");
    Await.until("the waiting request gets the connection", 10, () -> held.size() == 2);
    held.get(1).response().end("two");
    held.clear();
    assertEquals(200, first.get().statusCode());
    assertEquals(200, second.get().statusCode());
    assertTrue(metrics().contains("gatehouse_upstream_overflows_total{limit=\"pending\",upstream=\"u\"} 1.0"), metrics());
  }

  @Test
  void retryBudgetCapsRetriesInFlight() throws Exception {
    Map<String, AtomicInteger> triesById = new ConcurrentHashMap<>();
    a.on("/", r -> {
      if (triesById.computeIfAbsent(r.getHeader("x-request-id"), id -> new AtomicInteger()).incrementAndGet() == 1) {
        r.response().setStatusCode(503).end("first try fails");
      } else {
        held.add(r);
      }
    });
    gateway = TestGateway.start("""
        upstreams: [{ name: u, endpoints: ["%s"], retryBudget: { percent: 0, minRetries: 2 } }]
        routes: [{ name: r, backends: [{ upstream: u }], retries: { attempts: 3, on: ["503"] } }]
        """.formatted(a.address()));
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      calls.add(sendAsync("/r", Map.of("x-request-id", "budget-" + i)));
    }
    Await.until("two retries held, two refused", 10,
        () -> held.size() == 2 && calls.stream().filter(CompletableFuture::isDone).count() == 2);
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      if (call.isDone()) {
        assertEquals(503, call.get().statusCode(), "over the budget, the upstream's answer is passed on");
        assertEquals("1", call.get().headers().firstValue("x-gatehouse-attempts").orElse(null));
      }
    }
    held.forEach(r -> r.response().end("retried"));
    held.clear();
    int retried = 0;
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      if (call.get().statusCode() == 200) {
        retried++;
        assertEquals("2", call.get().headers().firstValue("x-gatehouse-attempts").orElse(null));
      }
    }
    assertEquals(2, retried);
    String metrics = metrics();
    assertTrue(metrics.contains("gatehouse_upstream_retries_total{upstream=\"u\"} 2.0"), metrics);
    assertTrue(metrics.contains("gatehouse_upstream_retry_budget_exhausted_total{upstream=\"u\"} 2.0"), metrics);
  }

  @Test
  void attemptsHeaderCountsEveryTry() {
    a.on("/fail", r -> r.response().setStatusCode(503).end());
    gateway = TestGateway.start("""
        upstreams: [{ name: u, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: u }], retries: { attempts: 2, on: ["503"] } }]
        """.formatted(a.address()));
    assertEquals("1", gateway.get("/ok").header("x-gatehouse-attempts"));
    TestGateway.TestResponse failed = gateway.get("/fail");
    assertEquals(503, failed.status());
    assertEquals("3", failed.header("x-gatehouse-attempts"));
    assertEquals(4, a.requests().size());
  }

  @Test
  void consistentHashKeepsAUserOnOneEndpointAndMovesOnlyTheRemovedEndpointsUsers() {
    EchoUpstream c = EchoUpstream.start(vertx, "c");
    try {
      String three = """
          upstreams: [{ name: u, endpoints: ["%s", "%s", "%s"], loadBalancer: CONSISTENT_HASH, hashOn: "header:x-user" }]
          routes: [{ name: r, backends: [{ upstream: u }] }]
          """.formatted(a.address(), b.address(), c.address());
      gateway = TestGateway.start(three);
      Map<String, String> before = new HashMap<>();
      for (int user = 0; user < 30; user++) {
        String name = "user-" + user;
        String first = gateway.get("/", Map.of("x-user", name)).header("x-upstream");
        for (int i = 0; i < 3; i++) {
          assertEquals(first, gateway.get("/", Map.of("x-user", name)).header("x-upstream"), name + " moved");
        }
        before.put(name, first);
      }
      assertTrue(new HashSet<>(before.values()).size() >= 2, "users spread over endpoints: " + before);
      assertEquals(200, gateway.get("/no-key").status(), "a request without the key is still served");

      gateway.reload("""
          upstreams: [{ name: u, endpoints: ["%s", "%s"], loadBalancer: CONSISTENT_HASH, hashOn: "header:x-user" }]
          routes: [{ name: r, backends: [{ upstream: u }] }]
          """.formatted(a.address(), b.address()));
      for (Map.Entry<String, String> e : before.entrySet()) {
        String now = gateway.get("/", Map.of("x-user", e.getKey())).header("x-upstream");
        if (!e.getValue().equals("c")) {
          assertEquals(e.getValue(), now, e.getKey() + " moved although its endpoint stayed");
        }
      }
      gateway.reload(three);
      before.forEach((user, upstream) ->
          assertEquals(upstream, gateway.get("/", Map.of("x-user", user)).header("x-upstream"), user + " did not come back"));
    } finally {
      c.close();
    }
  }

  @Test
  void consistentHashOnACookieOrTheClientAddress() {
    gateway = TestGateway.start("""
        upstreams:
          - { name: by-cookie, endpoints: ["%1$s", "%2$s"], loadBalancer: CONSISTENT_HASH, hashOn: "cookie:session" }
          - { name: by-client, endpoints: ["%1$s", "%2$s"], loadBalancer: CONSISTENT_HASH, hashOn: client }
        routes:
          - { name: cookie, match: [{ path: { prefix: /cookie } }], backends: [{ upstream: by-cookie }] }
          - { name: client, backends: [{ upstream: by-client }] }
        """.formatted(a.address(), b.address()));
    Set<String> seen = new HashSet<>();
    for (int s = 0; s < 20; s++) {
      Map<String, String> cookie = Map.of("cookie", "theme=dark; session=s" + s);
      String first = gateway.get("/cookie", cookie).header("x-upstream");
      assertEquals(first, gateway.get("/cookie", cookie).header("x-upstream"));
      assertEquals(first, gateway.get("/cookie", cookie).header("x-upstream"));
      seen.add(first);
    }
    assertEquals(2, seen.size(), "sessions spread over both endpoints");
    String client = gateway.get("/client").header("x-upstream");
    for (int i = 0; i < 10; i++) {
      assertEquals(client, gateway.get("/client").header("x-upstream"), "one client address, one endpoint");
    }
  }

  @Test
  void reloadKeepsAnUnchangedUpstreamsHealthCheckerAndStopsARetiredOne() {
    String config = """
        upstreams:
          - { name: same, endpoints: ["%s"], healthCheck: { path: /healthz, interval: 100ms } }
          - { name: changed, endpoints: ["%s"], healthCheck: { path: /healthz, interval: %s } }
        routes: [{ name: r, backends: [{ upstream: same }, { upstream: changed }] }]
        """;
    gateway = TestGateway.start(config.formatted(a.address(), b.address(), "100ms"));
    UpstreamClient same = live("same");
    UpstreamClient changed = live("changed");
    assertTrue(same.checkingHealth() && changed.checkingHealth());
    gateway.reload(config.formatted(a.address(), b.address(), "200ms"));
    assertSame(same, live("same"), "an unchanged upstream keeps its client");
    assertNotSame(changed, live("changed"));
    assertFalse(changed.checkingHealth(), "the retired client's checker stopped");
    assertTrue(same.checkingHealth() && live("changed").checkingHealth());
  }
}
