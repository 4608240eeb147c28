package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Injected aborts and delays hit their percentages (statistically, with real traffic) and only where asked. */
class FaultTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    gateway = TestGateway.start("""
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes:
          - name: aborts
            match: [{ path: { prefix: /abort } }]
            backends: [{ upstream: up }]
            fault: { abort: { status: 503, percent: 30 } }
          - name: delays
            match: [{ path: { prefix: /delay } }]
            backends: [{ upstream: up }]
            fault: { delay: { fixed: 300ms, percent: 50 } }
          - name: chaos
            match: [{ path: { prefix: /chaos } }]
            backends: [{ upstream: up }]
            fault: { abort: { status: 418, percent: 100 }, header: x-chaos }
        """.formatted(upstream.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  @Test
  void abortsAboutThirtyPercent() {
    int n = 400;
    int aborted = 0;
    for (int i = 0; i < n; i++) {
      TestGateway.TestResponse r = gateway.get("/abort");
      if (r.status() == 503) {
        assertEquals("fault_filter_abort", r.header("x-gatehouse-reason"));
        aborted++;
      } else {
        assertEquals(200, r.status());
      }
    }
    double share = aborted / (double) n;
    // Binomial: sd = sqrt(0.3 * 0.7 / 400) = 0.023; ±0.08 is about 3.5 sd.
    assertTrue(Math.abs(share - 0.30) <= 0.08, "aborted " + share);
    assertTrue(gateway.gatehouse.metrics().scrape().contains("gatehouse_fault_injected_total{fault=\"abort\",route=\"aborts\"} " + aborted + ".0"));
  }

  @Test
  void delaysAboutHalfByTheFixedTime() throws Exception {
    int n = 80;
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<Long>> latencies = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        latencies.add(CompletableFuture.supplyAsync(() -> {
          long start = System.nanoTime();
          assertEquals(200, gateway.get("/delay").status());
          return (System.nanoTime() - start) / 1_000_000;
        }, pool));
      }
      int delayed = 0;
      for (CompletableFuture<Long> l : latencies) {
        if (l.get() >= 300) {
          delayed++;
        }
      }
      double share = delayed / (double) n;
      // sd = sqrt(0.25 / 80) = 0.056; ±0.2 is about 3.5 sd.
      assertTrue(Math.abs(share - 0.5) <= 0.2, "delayed " + share);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void faultsWithAHeaderOnlyTouchRequestsThatCarryIt() {
    assertEquals(200, gateway.get("/chaos").status());
    TestGateway.TestResponse r = gateway.get("/chaos", Map.of("x-chaos", "1"));
    assertEquals(418, r.status());
    assertEquals("fault_filter_abort", r.header("x-gatehouse-reason"));
    assertTrue(r.body().contains("\"reason\":\"fault_filter_abort\""), r.body());
  }
}
