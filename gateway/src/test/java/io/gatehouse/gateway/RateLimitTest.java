package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Local token buckets per client, per header value and per route: accuracy, 429 with Retry-After, metrics. */
class RateLimitTest {
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
          - name: per-client
            match: [{ path: { prefix: /client } }]
            backends: [{ upstream: up }]
            rateLimit: { requestsPerSecond: 40, burst: 40, key: client }
          - name: per-user
            match: [{ path: { prefix: /user } }]
            backends: [{ upstream: up }]
            rateLimit: { requestsPerSecond: 0.5, burst: 3, key: "header:x-user" }
          - name: whole
            match: [{ path: { prefix: /whole } }]
            backends: [{ upstream: up }]
            rateLimit: { requestsPerSecond: 0.2, burst: 2, key: route }
          - { name: free, backends: [{ upstream: up }] }
        """.formatted(upstream.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  @Test
  void rateIsWithinTenPercentOfTheLimitOverThreeSeconds() {
    Load.Result result = Load.run(3, 3, () -> gateway.get("/client").status());
    // A burst of one second's worth: a client stalled for under a second (a loaded CI machine) loses no tokens.
    double expected = 40 + 40 * result.seconds();
    int ok = result.count(200);
    assertEquals(result.total(), ok + result.count(429), "only 200 and 429 expected");
    assertTrue(result.count(429) > 0, "the load should exceed the limit");
    assertTrue(Math.abs(ok - expected) <= 0.1 * expected,
        "allowed " + ok + " in " + result.seconds() + "s, expected " + expected + " ±10%");
  }

  @Test
  void overTheLimitIs429WithRetryAfterAndTheUpstreamIsNotAsked() {
    assertEquals(200, gateway.get("/whole/a").status());
    assertEquals(200, gateway.get("/whole/b").status());
    int seen = upstream.requests().size();
    TestGateway.TestResponse limited = gateway.get("/whole/c");
    assertEquals(429, limited.status());
    assertEquals("rate_limited", limited.header("x-gatehouse-reason"));
    assertTrue(limited.body().contains("\"reason\":\"rate_limited\""), limited.body());
    int retryAfter = Integer.parseInt(limited.header("retry-after"));
    assertTrue(retryAfter >= 1 && retryAfter <= 5, "retry-after " + retryAfter);
    assertEquals(seen, upstream.requests().size());
    assertTrue(gateway.gatehouse.metrics().scrape().contains("gatehouse_ratelimit_rejected_total{route=\"whole\"}"));
  }

  @Test
  void eachHeaderValueHasItsOwnBucket() {
    for (int i = 0; i < 3; i++) {
      assertEquals(200, gateway.get("/user", Map.of("x-user", "alice")).status());
    }
    assertEquals(429, gateway.get("/user", Map.of("x-user", "alice")).status());
    assertEquals(200, gateway.get("/user", Map.of("x-user", "bob")).status());
  }

  @Test
  void routesWithoutALimitAreNotLimited() {
    Load.Result result = Load.run(2, 0.5, () -> gateway.get("/free").status());
    assertEquals(result.total(), result.count(200));
  }
}
