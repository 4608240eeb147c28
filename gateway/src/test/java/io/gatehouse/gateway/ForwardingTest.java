package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.Route;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What happens on the way to the upstream: weights, rewrites, header edits, retries and timeouts. */
class ForwardingTest {
  Vertx vertx;
  EchoUpstream a;
  EchoUpstream b;
  TestGateway gateway;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    a = EchoUpstream.start(vertx, "a");
    b = EchoUpstream.start(vertx, "b");
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    a.close();
    b.close();
    vertx.close();
  }

  @Test
  void weightedBackendsSplitTrafficInProportion() {
    gateway = TestGateway.start("""
        upstreams: [{ name: a, endpoints: ["%s"] }, { name: b, endpoints: ["%s"] }]
        routes: [{ name: split, backends: [{ upstream: a, weight: 80 }, { upstream: b, weight: 20 }] }]
        """.formatted(a.address(), b.address()));
    int n = 1000;
    for (int i = 0; i < n; i++) {
      assertEquals(200, gateway.get("/w").status());
    }
    double shareOfB = b.requests().size() / (double) n;
    assertEquals(n, a.requests().size() + b.requests().size());
    assertTrue(shareOfB > 0.15 && shareOfB < 0.25, "b got " + shareOfB + " of the traffic (expected 0.20 ± 0.05)");
  }

  @Test
  void roundRobinSpreadsOverEndpointsOfOneUpstream() {
    gateway = TestGateway.start("""
        upstreams: [{ name: both, endpoints: ["%s", "%s"], loadBalancer: ROUND_ROBIN }]
        routes: [{ name: r, backends: [{ upstream: both }] }]
        """.formatted(a.address(), b.address()));
    for (int i = 0; i < 10; i++) {
      gateway.get("/rr");
    }
    assertEquals(5, a.requests().size());
    assertEquals(5, b.requests().size());
  }

  @Test
  void endpointsByDnsNameWithLeastRequestAndRandomBalancing() {
    gateway = TestGateway.start("""
        upstreams:
          - { name: lr, endpoints: ["localhost:%d", "127.0.0.1:%d"], loadBalancer: LEAST_REQUEST }
          - { name: rnd, endpoints: ["localhost:%d", "127.0.0.1:%d"], loadBalancer: RANDOM }
        routes:
          - { name: lr, match: [{ path: { prefix: /lr } }], backends: [{ upstream: lr }] }
          - { name: rnd, match: [{ path: { prefix: /rnd } }], backends: [{ upstream: rnd }] }
        """.formatted(a.port(), b.port(), a.port(), b.port()));
    for (int i = 0; i < 40; i++) {
      assertEquals(200, gateway.get("/lr").status());
      assertEquals(200, gateway.get("/rnd").status());
    }
    long aGot = a.requests().stream().filter(r -> r.uri().startsWith("/rnd")).count();
    assertTrue(aGot >= 8 && aGot <= 32, "random spread 40 requests as " + aGot + " / " + (40 - aGot));
    assertTrue(a.requests().stream().anyMatch(r -> r.uri().startsWith("/lr")), "the DNS-named endpoint was used");
    assertTrue(b.requests().stream().anyMatch(r -> r.uri().startsWith("/lr")));
  }

  @Test
  void prefixRegexAndHostRewrites() {
    gateway = TestGateway.start("""
        upstreams: [{ name: a, endpoints: ["%s"] }]
        routes:
          - name: prefix
            match: [{ path: { prefix: /api/ } }]
            backends: [{ upstream: a }]
            rewrite: { prefix: /v2/, host: internal.svc }
          - name: regex
            match: [{ path: { prefix: /users/ } }]
            backends: [{ upstream: a }]
            rewrite: { regex: { pattern: "^/users/([0-9]+)/profile$", substitution: "/profiles/\\\\1" } }
        """.formatted(a.address()));
    gateway.get("/api/orders?id=3");
    assertEquals("/v2/orders?id=3", a.lastRequest().uri());
    assertEquals("internal.svc", a.lastRequest().header("host"));
    gateway.get("/users/42/profile");
    assertEquals("/profiles/42", a.lastRequest().uri());
  }

  @Test
  void requestAndResponseHeaderEdits() {
    a.on("/hdr", req -> req.response().putHeader("x-internal", "leak").putHeader("x-keep", "1").end("ok"));
    gateway = TestGateway.start("""
        upstreams: [{ name: a, endpoints: ["%s"] }]
        routes:
          - name: r
            backends: [{ upstream: a }]
            headers:
              request: { set: { x-env: prod }, add: { x-tag: added }, remove: [x-debug] }
              response: { set: { x-served-by: gatehouse }, remove: [x-internal] }
        """.formatted(a.address()));
    TestGateway.TestResponse r = gateway.get("/hdr", Map.of("x-debug", "1", "x-env", "dev", "x-tag", "mine"));
    EchoUpstream.Received got = a.lastRequest();
    assertEquals("prod", got.header("x-env"));
    assertNull(got.header("x-debug"));
    assertEquals(java.util.List.of("mine", "added"), got.headers().getAll("x-tag"));
    assertEquals("gatehouse", r.header("x-served-by"));
    assertNull(r.header("x-internal"));
    assertEquals("1", r.header("x-keep"));
  }

  @Test
  void retriesAStatusOnAnotherAttempt() {
    AtomicInteger calls = new AtomicInteger();
    a.on("/flaky", req -> {
      if (calls.incrementAndGet() == 1) {
        req.response().setStatusCode(503).end("busy");
      } else {
        req.response().end("recovered");
      }
    });
    gateway = TestGateway.start("""
        upstreams: [{ name: a, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: a }], retries: { attempts: 2, on: ["503"] } }]
        """.formatted(a.address()));
    TestGateway.TestResponse r = gateway.get("/flaky");
    assertEquals(200, r.status());
    assertEquals("recovered", r.body());
    assertEquals(2, calls.get());
  }

  @Test
  void retriesABufferedPostBodyOnReset() {
    AtomicInteger calls = new AtomicInteger();
    a.on("/reset", req -> {
      if (calls.incrementAndGet() == 1) {
        req.connection().close();
      } else {
        req.body().onSuccess(body -> req.response().end("got " + body.length()));
      }
    });
    gateway = TestGateway.start("""
        upstreams: [{ name: a, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: a }], retries: { attempts: 1, on: [reset], nonIdempotent: true } }]
        """.formatted(a.address()));
    TestGateway.TestResponse r = gateway.send(gateway.request("/reset", Map.of())
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(5000))).build());
    assertEquals(200, r.status(), r.body());
    assertEquals("got 5000", r.body());
  }

  @Test
  void postIsNotRetriedAfterResetByDefault() {
    AtomicInteger calls = new AtomicInteger();
    a.on("/reset", req -> {
      calls.incrementAndGet();
      req.connection().close();
    });
    gateway = TestGateway.start("""
        upstreams: [{ name: a, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: a }], retries: { attempts: 2, on: [reset] } }]
        """.formatted(a.address()));
    TestGateway.TestResponse r = gateway.send(gateway.request("/reset", Map.of())
        .POST(HttpRequest.BodyPublishers.ofString("order")).build());
    assertEquals(502, r.status());
    assertEquals("upstream_reset_before_response_started", r.header("x-gatehouse-reason"));
    assertEquals(1, calls.get(), "a POST must not be replayed unless the route says nonIdempotent");
  }

  @Test
  void anUpstreamCutMidResponseIsLoggedAsAResetAfterTheResponseStarted() {
    a.on("/cut", req -> {
      req.response().setChunked(true).write("partial answer, ");
      vertx.setTimer(50, t -> req.connection().close());
    });
    gateway = TestGateway.start("""
        upstreams: [{ name: a, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: a }] }]
        """.formatted(a.address()));
    boolean cut;
    try {
      TestGateway.TestResponse r = gateway.get("/cut");
      cut = r.status() != 200;
    } catch (RuntimeException e) {
      cut = true;  // the client saw the chunked body end without its last chunk
    }
    assertTrue(cut, "the client must not see a complete response");
    Await.until("the access log line", 10, () -> gateway.accessLog().contains("/cut"));
    JsonObject line = gateway.accessLog().lines().filter(l -> l.contains("/cut")).map(JsonObject::new).findFirst().orElseThrow();
    assertEquals(200, line.getInteger("status"), line.encode());
    assertEquals("UR", line.getString("responseFlags"), line.encode());
    assertTrue(line.getString("failure").startsWith("upstream_reset_after_response_started: "), line.encode());
    assertEquals(200, gateway.get("/next").status(), "the next request is served");
  }

  @Test
  void connectFailureMovesToAnotherEndpoint() {
    int dead = deadPort();
    gateway = TestGateway.start("""
        upstreams: [{ name: mixed, endpoints: ["127.0.0.1:%d", "%s"], loadBalancer: ROUND_ROBIN }]
        routes: [{ name: r, backends: [{ upstream: mixed }], retries: { attempts: 1, on: [connect-failure] } }]
        """.formatted(dead, a.address()));
    for (int i = 0; i < 6; i++) {
      assertEquals(200, gateway.get("/cf").status());
    }
    assertEquals(6, a.requests().size());
  }

  @Test
  void deadUpstreamGets503WithReason() {
    gateway = TestGateway.start("""
        upstreams: [{ name: dead, endpoints: ["127.0.0.1:%d"] }]
        routes: [{ name: r, backends: [{ upstream: dead }] }]
        """.formatted(deadPort()));
    TestGateway.TestResponse r = gateway.get("/down");
    assertEquals(503, r.status());
    assertEquals("upstream_connect_failure", r.header("x-gatehouse-reason"));
    assertEquals("upstream_connect_failure", new JsonObject(r.body()).getString("reason"));
  }

  @Test
  void routeTimeoutAnswers504() {
    a.on("/slow", req -> { /* never answers */ });
    gateway = TestGateway.start("""
        upstreams: [{ name: a, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: a }], timeout: 300ms }]
        """.formatted(a.address()));
    long start = System.nanoTime();
    TestGateway.TestResponse r = gateway.get("/slow");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(504, r.status());
    assertEquals("upstream_response_timeout", r.header("x-gatehouse-reason"));
    assertTrue(millis >= 250 && millis < 3000, "answered after " + millis + "ms");
  }

  /**
   * {@code timeout: 0s} is no route timeout: the value Istio and xDS routes without one have, which
   * arms no timer. The default (15 s) is too long to outwait here, so the upstream outlasts a 500 ms
   * route both before its head and between two pieces of its body, and the 0s route serves it all.
   */
  @Test
  void aZeroRouteTimeoutWaitsAsLongAsTheUpstreamTakes() {
    Handler<HttpServerRequest> slow = req -> vertx.setTimer(1200, t -> {
      req.response().setChunked(true).write("late ");
      vertx.setTimer(1000, u -> req.response().end("and quiet"));
    });
    a.on("/capped", slow).on("/open", slow);
    gateway = TestGateway.start("""
        upstreams: [{ name: a, endpoints: ["%s"] }]
        routes:
          - { name: capped, match: [{ path: { prefix: /capped } }], backends: [{ upstream: a }], timeout: 500ms }
          - { name: open, match: [{ path: { prefix: /open } }], backends: [{ upstream: a }], timeout: 0s }
        """.formatted(a.address()));
    Route open = gateway.gatehouse.dataplane().current().config().routes().stream()
        .filter(r -> r.name().equals("open")).findFirst().orElseThrow();
    assertEquals(Route.NO_TIMEOUT, open.timeout());

    TestGateway.TestResponse capped = gateway.get("/capped");
    assertEquals(504, capped.status(), capped.body());
    assertEquals("upstream_response_timeout", capped.header("x-gatehouse-reason"));

    TestGateway.TestResponse served = gateway.get("/open");
    assertEquals(200, served.status(), served.body());
    assertEquals("late and quiet", served.body());
  }

  @Test
  void onceTheHeadIsInTheRouteTimeoutBoundsEachWaitForTheBody() throws IOException {
    a.on("/quiet", req -> req.response().setChunked(true).write("first")); // then nothing, ever
    a.on("/trickle", req -> {
      req.response().setChunked(true);
      AtomicInteger sent = new AtomicInteger();
      vertx.setPeriodic(300, id -> {
        if (sent.incrementAndGet() <= 8) {
          req.response().write("x");
        } else {
          vertx.cancelTimer(id);
          req.response().end();
        }
      });
    });
    gateway = TestGateway.start("""
        upstreams: [{ name: a, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: a }], timeout: 1500ms }]
        """.formatted(a.address()));

    // A chunk every 300 ms for 2.7 s: longer than the timeout, never that long quiet.
    TestGateway.TestResponse r = gateway.get("/trickle");
    assertEquals(200, r.status());
    assertEquals("xxxxxxxx", r.body());

    // The head and a first chunk, then silence: the body is cut off (no last chunk) after 1.5 s.
    try (RawHttp raw = RawHttp.connect(gateway.port())) {
      long start = System.nanoTime();
      raw.socket.getOutputStream().write("GET /quiet HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      raw.socket.setSoTimeout(15_000);
      String got = new String(raw.socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(got.startsWith("HTTP/1.1 200") && got.contains("first"), got);
      assertFalse(got.endsWith("0\r\n\r\n"), "the body must not look complete: " + got);
      assertTrue(millis >= 1400 && millis < 12_000, "cut off after " + millis + " ms");
    }
    Await.until("logged", 5, () -> gateway.accessLog().contains("\"path\":\"/quiet\""));
    String line = gateway.accessLog().lines().filter(l -> l.contains("\"path\":\"/quiet\"")).findFirst().orElseThrow();
    assertTrue(line.contains("timeout period of 1500ms"), line);
  }

  @Test
  void perTryTimeoutRetriesOnAnotherEndpoint() {
    a.on("/stall", req -> { /* never answers */ });
    b.on("/stall", req -> req.response().end("from b"));
    gateway = TestGateway.start("""
        upstreams: [{ name: ab, endpoints: ["%s", "%s"], loadBalancer: ROUND_ROBIN }]
        routes: [{ name: r, backends: [{ upstream: ab }], timeout: 5s, retries: { attempts: 1, perTryTimeout: 1s } }]
        """.formatted(a.address(), b.address()));
    for (int i = 0; i < 2; i++) {
      TestGateway.TestResponse r = gateway.get("/stall");
      assertEquals(200, r.status());
      assertEquals("from b", r.body());
    }
  }

  /**
   * Every try times out: the per-try clock, reused from try to try, fires for each, and the
   * client gets 504 {@code upstream_per_try_timeout} after the last, with the tries counted.
   */
  @Test
  void perTryTimeoutOnEveryTryAnswers504AfterTheLast() {
    a.on("/stall", req -> { /* never answers */ });
    b.on("/stall", req -> { /* never answers */ });
    gateway = TestGateway.start("""
        upstreams: [{ name: ab, endpoints: ["%s", "%s"], loadBalancer: ROUND_ROBIN }]
        routes: [{ name: r, backends: [{ upstream: ab }], timeout: 20s, retries: { attempts: 1, perTryTimeout: 600ms } }]
        """.formatted(a.address(), b.address()));
    long start = System.nanoTime();
    TestGateway.TestResponse r = gateway.get("/stall");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(504, r.status(), r.body());
    assertEquals("upstream_per_try_timeout", r.header("x-gatehouse-reason"));
    assertEquals("2", r.header("x-gatehouse-attempts"));
    assertTrue(millis >= 1100 && millis < 15_000, "answered after " + millis + " ms");
  }

  /** The per-try timeout bounds the wait for the head only: a slow body after a head in time is not cut. */
  @Test
  void aHeadInTimeStopsThePerTryClock() {
    a.on("/slow-body", req -> {
      req.response().setChunked(true).write("head-in-time ");
      vertx.setTimer(1_500, id -> req.response().end("body-later"));
    });
    gateway = TestGateway.start("""
        upstreams: [{ name: a, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: a }], timeout: 5s, retries: { attempts: 1, perTryTimeout: 500ms } }]
        """.formatted(a.address()));
    TestGateway.TestResponse r = gateway.get("/slow-body");
    assertEquals(200, r.status());
    assertEquals("head-in-time body-later", r.body());
    assertEquals("1", r.header("x-gatehouse-attempts"));
    assertEquals(1, a.requests().stream().filter(q -> q.uri().equals("/slow-body")).count(), "no second try");
  }

  private static int deadPort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
