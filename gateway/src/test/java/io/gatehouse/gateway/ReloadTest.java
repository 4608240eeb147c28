package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hot reload from the config directory: applied within 2 s, all or nothing, with no failed request. */
class ReloadTest {
  Vertx vertx;
  EchoUpstream a;
  EchoUpstream b;
  TestGateway gateway;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    a = EchoUpstream.start(vertx, "a");
    b = EchoUpstream.start(vertx, "b");
    gateway = TestGateway.start(routeTo("a"));
  }

  @AfterEach
  void stop() {
    gateway.close();
    a.close();
    b.close();
    vertx.close();
  }

  private String routeTo(String upstream) {
    return """
        upstreams: [{ name: a, endpoints: ["%s"] }, { name: b, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: %s }] }]
        """.formatted(a.address(), b.address(), upstream);
  }

  @Test
  void aChangedFileAppliesWithinTwoSeconds() {
    assertTrue(gateway.get("/").body().contains("\"a\""));
    long start = System.nanoTime();
    gateway.write("admin: { port: 0 }\nlisteners: [{ name: http, port: 0, protocol: HTTP }]\n" + routeTo("b"));
    Await.until("traffic moves to b", 2.0, () -> gateway.get("/").body().contains("\"b\""));
    assertTrue(System.nanoTime() - start < 2_000_000_000L);
  }

  @Test
  void aShadowedRouteIsLoggedWithFileAndLineOnReload() {
    List<String> logged = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.logging.Handler capture = new java.util.logging.Handler() {
      @Override public void publish(java.util.logging.LogRecord r) {
        logged.add(r.getLevel() + " " + r.getMessage());
      }

      @Override public void flush() {}

      @Override public void close() {}
    };
    java.util.logging.Logger log = java.util.logging.Logger.getLogger(io.gatehouse.admin.source.FileSource.class.getName());
    log.addHandler(capture);
    try {
      gateway.reload("""
          upstreams: [{ name: a, endpoints: ["%s"] }]
          routes:
            - { name: r, backends: [{ upstream: a }] }
            - name: greet
              match: [{ path: { exact: /greet } }]
              directResponse: { status: 200, body: hello }
          """.formatted(a.address()));
      assertTrue(gateway.get("/greet").body().contains("\"a\""), "the earlier route r still takes /greet");
      String expected = "WARNING " + gateway.dir.resolve("gateway.yaml") + ":6: warning: route \"greet\" would never be used:"
          + " every request it matches is taken first by route \"r\"";
      Await.until("the warning is logged", 5, () -> logged.stream().anyMatch(l -> l.startsWith(expected)));
    } finally {
      log.removeHandler(capture);
    }
  }

  @Test
  void anInvalidChangeKeepsServingThePreviousConfig() {
    long version = gateway.gatehouse.store().version();
    long failures = gateway.gatehouse.store().failures();
    gateway.write("admin: { port: 0 }\nlisteners: [{ name: http, port: 0, protocol: HTTP }]\n"
        + routeTo("nope"));
    Await.until("the invalid config is rejected", 5, () -> gateway.gatehouse.store().failures() > failures);
    assertEquals(version, gateway.gatehouse.store().version());
    assertTrue(gateway.get("/").body().contains("\"a\""));
    String metrics = gateway.admin("/metrics").body();
    assertTrue(metrics.contains("gatehouse_config_reload_failures_total 1.0"), metrics);
  }

  @Test
  void theReloadFailureCounterStillCountsAfterGarbageCollection() {
    long failures = gateway.gatehouse.store().failures();
    gateway.write("admin: { port: 0 }\nlisteners: [{ name: http, port: 0, protocol: HTTP }]\n" + routeTo("nope"));
    Await.until("the invalid config is rejected", 5, () -> gateway.gatehouse.store().failures() > failures);
    // A weakly held counter function reads 0 once it is collected; make sure a collection ran.
    java.lang.ref.WeakReference<Object> probe = new java.lang.ref.WeakReference<>(new Object());
    Await.until("a garbage collection", 5, () -> {
      System.gc();
      return probe.get() == null;
    });
    String metrics = gateway.admin("/metrics").body();
    assertTrue(metrics.contains("gatehouse_config_reload_failures_total 1.0"), metrics);
    assertTrue(gateway.admin("/stats").body().contains("\"gatehouse.config.reload.failures\" : 1.0"), gateway.admin("/stats").body());
  }

  /**
   * A retry waiting out its backoff when a reload removes its upstream is still sent, on the
   * retired upstream's client (which stays open for it), and answered: the retired client closed
   * under it once, and the request then hung until its route timeout.
   */
  @Test
  void aRetryWaitingOutItsBackoffAcrossAReloadIsStillSent() throws Exception {
    AtomicInteger tries = new AtomicInteger();
    io.vertx.core.http.HttpServer flaky = Await.result(vertx.createHttpServer().requestHandler(req -> {
      int n = tries.incrementAndGet();
      req.response().setStatusCode(n == 1 ? 503 : 200).end("try " + n);
    }).listen(0, "127.0.0.1"));
    try {
      gateway.reload("""
          upstreams: [{ name: flaky, endpoints: ["127.0.0.1:%d"] }]
          routes: [{ name: r, backends: [{ upstream: flaky }], timeout: 20s,
                     retries: { attempts: 1, on: ["503"], backoff: { min: 3s, base: 1ms } } }]
          """.formatted(flaky.actualPort()));
      CompletableFuture<HttpResponse<String>> response = gateway.client()
          .sendAsync(gateway.request("/", java.util.Map.of()).build(), HttpResponse.BodyHandlers.ofString());
      Await.until("the first try answered 503", 5, () -> tries.get() == 1);
      gateway.reload(routeTo("a"));
      assertEquals(1, tries.get(), "the reload came before the retry");
      HttpResponse<String> r = response.get(15, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("try 2", r.body());
      assertTrue(gateway.get("/").body().contains("\"a\""), "new requests go to the new config's upstream");
    } finally {
      flaky.close();
    }
  }

  @Test
  @org.junit.jupiter.api.Tag("reliability")
  void reloadsUnderConcurrentLoadFailNoRequest() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      clients.add(CompletableFuture.runAsync(() -> {
        while (running.get()) {
          try {
            HttpResponse<String> r = gateway.client().send(gateway.request("/load", java.util.Map.of()).build(),
                HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
              ok.incrementAndGet();
            } else {
              failures.add(r.statusCode() + " " + r.body());
            }
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
      }));
    }
    for (int i = 0; i < 6; i++) {
      gateway.reload(routeTo(i % 2 == 0 ? "b" : "a") + "# reload " + i + "\n");
    }
    running.set(false);
    CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
    assertEquals(List.of(), failures);
    assertTrue(ok.get() > 50, "only " + ok.get() + " requests went through");
    assertTrue(a.requests().size() > 0 && b.requests().size() > 0);
  }
}
