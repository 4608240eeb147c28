package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A limit shared by two replicas through a real Redis; what happens when Redis is gone. */
class GlobalRateLimitTest {
  static Vertx vertx;
  static EchoUpstream upstream;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
  }

  @AfterAll
  static void stop() {
    upstream.close();
    vertx.close();
  }

  private static String config(String redis) {
    return """
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes:
          - name: shared
            match: [{ path: { prefix: /shared } }]
            backends: [{ upstream: up }]
            rateLimit: { requestsPerSecond: 30, burst: 30, key: route, global: { redis: "%s" } }
          - name: open
            match: [{ path: { prefix: /open } }]
            backends: [{ upstream: up }]
            rateLimit: { requestsPerSecond: 1, burst: 1, key: route, global: { redis: "%s", timeout: 200ms } }
          - name: closed
            match: [{ path: { prefix: /closed } }]
            backends: [{ upstream: up }]
            rateLimit: { requestsPerSecond: 100, burst: 100, key: route, global: { redis: "%s", failOpen: false, timeout: 200ms } }
        """.formatted(upstream.address(), redis, redis, redis);
  }

  @Test
  void twoReplicasShareOneLimitWithinTenPercent() throws Exception {
    try (RedisServer redis = RedisServer.start();
         TestGateway a = TestGateway.start(config(redis.url()));
         TestGateway b = TestGateway.start(config(redis.url()))) {
      // Warm up both replicas (Redis connections, code paths) on another route, so the shared
      // bucket's first token is taken when the measured load starts, not a connect later.
      for (int i = 0; i < 20; i++) {
        assertEquals(200, a.get("/closed").status());
        assertEquals(200, b.get("/closed").status());
      }
      CompletableFuture<Load.Result> onB = CompletableFuture.supplyAsync(() -> Load.run(2, 3, () -> b.get("/shared").status()));
      Load.Result onA = Load.run(2, 3, () -> a.get("/shared").status());
      Load.Result rb = onB.get();
      int ok = onA.count(200) + rb.count(200);
      // A burst of one second's worth: a client stalled for under a second (a loaded CI machine) loses no tokens.
      double expected = 30 + 30 * Math.max(onA.seconds(), rb.seconds());
      assertTrue(onA.count(200) > 0 && rb.count(200) > 0, "both replicas should let some through");
      assertTrue(onA.count(429) + rb.count(429) > 0, "the load should exceed the limit");
      assertTrue(Math.abs(ok - expected) <= 0.1 * expected,
          "allowed " + ok + " (a " + onA.count(200) + ", b " + rb.count(200) + "), expected " + expected + " ±10%");
    }
  }

  @Test
  void whenRedisIsGoneTheLimitFailsOpenOrClosedAsConfigured() {
    RedisServer redis = RedisServer.start();
    try (TestGateway gateway = TestGateway.start(config(redis.url()))) {
      assertEquals(200, gateway.get("/open").status());
      assertEquals(429, gateway.get("/open").status(), "Redis is up: the limit holds");
      redis.close();
      for (int i = 0; i < 3; i++) {
        assertEquals(200, gateway.get("/open").status(), "fail open: requests go through");
      }
      TestGateway.TestResponse closed = gateway.get("/closed");
      assertEquals(503, closed.status());
      assertEquals("rate_limit_service_error", closed.header("x-gatehouse-reason"));
      String metrics = gateway.gatehouse.metrics().scrape();
      assertTrue(metrics.contains("gatehouse_ratelimit_errors_total{route=\"open\"}"), metrics);
      assertTrue(metrics.contains("gatehouse_ratelimit_errors_total{route=\"closed\"}"), metrics);
    } finally {
      redis.close();
    }
  }
}
