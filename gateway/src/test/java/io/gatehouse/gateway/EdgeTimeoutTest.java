package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow clients (issue 13 item 8): a stalled request body gets 408 {@code request_body_timeout}
 * (RFC 9110 §15.5.9), as does a body still trickling in when the route timeout runs out (the
 * client, not the upstream, is late: not 504); a slow head gets 408 {@code request_header_timeout};
 * an idle connection is closed. Each is counted with its {@code limit} tag and logged, and the
 * upstream never receives a complete request from a timed-out client.
 */
class EdgeTimeoutTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: http, port: 0, limits: { bodyReadTimeout: 1s, headerReadTimeout: 1s, idleTimeout: 3s } }
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes:
          - { name: quick, match: [{ path: { prefix: /quick } }], backends: [{ upstream: up }], timeout: 1500ms }
          - { name: any, backends: [{ upstream: up }], timeout: 30s }
        """.formatted(upstream.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  @Test
  void aStalledBodyGets408AndTheUpstreamNeverAComplete() {
    int before = upstream.requests().size();
    long start = System.nanoTime();
    String answer;
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      raw.send("POST /stalled HTTP/1.1\r\nHost: shop.test\r\nContent-Length: 100\r\n\r\n0123456789");
      answer = raw.answerWithin(5_000);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    assertNotNull(answer, "no answer within 5 s");
    assertTrue(answer.startsWith("HTTP/1.1 408 ") && answer.contains("\"reason\":\"request_body_timeout\""), answer);
    assertTrue(seconds >= 0.9 && seconds < 3, "answered after " + seconds + " s");
    assertEquals(before, upstream.requests().size(), "the upstream must not get a complete request");
    assertTrue(gateway.gatehouse.metrics().scrape().contains("limit=\"body_timeout\",listener=\"http\""));
    Await.until("access log line", 5, () -> gateway.accessLog().contains("\"path\":\"/stalled\""));
    assertTrue(gateway.accessLog().lines().anyMatch(l -> l.contains("/stalled") && l.contains("\"status\":408")));
  }

  @Test
  void aBodyStillTricklingWhenTheRouteTimesOutGets408Not504() {
    // A byte every 300 ms never trips the 1 s body idle timeout; the 1.5 s route timeout ends it.
    int before = upstream.requests().size();
    String answer = null;
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      raw.send("POST /quick/trickle HTTP/1.1\r\nHost: shop.test\r\nContent-Length: 100\r\n\r\n");
      for (int i = 0; i < 30 && answer == null; i++) {
        try {
          raw.send("x");
        } catch (java.io.UncheckedIOException e) {
          answer = "";
        }
        answer = answer != null ? answer : raw.answerWithin(300);
      }
    }
    assertNotNull(answer, "no answer");
    assertTrue(answer.startsWith("HTTP/1.1 408 ") && answer.contains("request_body_timeout"), answer);
    assertEquals(before, upstream.requests().size(), "the upstream must not get a complete request");
  }

  @Test
  void aSlowHeadGets408AndIsLogged() {
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      raw.send("GET /first HTTP/1.1\r\nHost: shop.test\r\n\r\n");
      assertTrue(raw.readResponse().startsWith("HTTP/1.1 200"));
      raw.send("GET /slow HTTP/1.1\r\nHost: shop.test\r\n");
      String answer = raw.answerWithin(5_000);
      assertNotNull(answer);
      assertTrue(answer.startsWith("HTTP/1.1 408 ") && answer.contains("x-gatehouse-reason: request_header_timeout"), answer);
    }
    Await.until("access log line", 5, () -> gateway.accessLog().lines()
        .anyMatch(l -> l.contains("\"status\":408") && l.contains("request_header_timeout")));
  }

  @Test
  void anIdleConnectionIsClosedCountedAndLogged() {
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      raw.send("GET /idle HTTP/1.1\r\nHost: shop.test\r\n\r\n");
      assertTrue(raw.readResponse().startsWith("HTTP/1.1 200"));
      assertTrue(raw.closedWithin(8_000), "the idle connection should be closed");
    }
    assertTrue(gateway.gatehouse.metrics().scrape().contains("limit=\"idle_timeout\",listener=\"http\""));
    Await.until("access log line", 5, () -> gateway.accessLog().contains("idle_timeout"));
  }
}
