package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One of two endpoints dies under concurrent load, with default settings (the default retry
 * policy and retry budget, no health checks): the requests it would have taken go to the other
 * endpoint, and none fails. A connect failure's retry does not draw on the retry budget.
 */
@Tag("reliability")
class EndpointKillTest {
  @Test
  void killingOneOfTwoEndpointsUnderLoadFailsNoRequest() throws Exception {
    Vertx vertx = Vertx.vertx();
    EchoUpstream a = EchoUpstream.start(vertx, "a");
    EchoUpstream b = EchoUpstream.start(vertx, "b");
    try (TestGateway gateway = TestGateway.start("""
        upstreams: [{ name: u, endpoints: ["%s", "%s"] }]
        routes: [{ name: r, backends: [{ upstream: u }] }]
        """.formatted(a.address(), b.address()))) {
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger fromA = new AtomicInteger();
      List<String> failures = new CopyOnWriteArrayList<>();
      List<CompletableFuture<Void>> clients = new ArrayList<>();
      for (int c = 0; c < 16; c++) {
        clients.add(CompletableFuture.runAsync(() -> {
          while (running.get()) {
            try {
              HttpResponse<String> r = gateway.client().send(gateway.request("/kill", Map.of()).build(),
                  HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() == 200) {
                ok.incrementAndGet();
                if ("a".equals(r.headers().firstValue("x-upstream").orElse(""))) {
                  fromA.incrementAndGet();
                }
              } else {
                failures.add(r.statusCode() + " " + r.body());
              }
            } catch (IOException e) {
              failures.add(e.toString());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        }));
      }
      Await.until("both endpoints serve", 10, () -> fromA.get() > 50 && ok.get() - fromA.get() > 50);
      int before = ok.get();
      b.kill();
      int killedAt = ok.get();
      Await.until("load continues on a", 10, () -> ok.get() > killedAt + 500);
      running.set(false);
      CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
      assertTrue(failures.isEmpty(), failures.size() + " requests failed when b died, first: "
          + failures.stream().limit(5).toList());
      assertTrue(ok.get() > before + 500);
      String metrics = gateway.admin("/metrics").body();
      assertTrue(metrics.contains("gatehouse_upstream_retry_budget_exhausted_total{upstream=\"u\"} 0.0"), metrics);
    } finally {
      a.close();
      vertx.close();
    }
  }
}
