package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
          - { name: http, port: 0, limits: { bodyReadTimeout: 1s, headerReadTimeout: 1s, idleTimeout: 5s } }
        upstreams:
          - { name: up, endpoints: ["%s"] }
          - { name: gone, endpoints: ["127.0.0.1:%d"] }
        routes:
          - { name: quick, match: [{ path: { prefix: /quick } }], backends: [{ upstream: up }], timeout: 1500ms }
          - { name: down, match: [{ path: { prefix: /down } }], backends: [{ upstream: gone }] }
          - { name: any, backends: [{ upstream: up }], timeout: 30s }
        """.formatted(upstream.address(), closedPort()));
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

  /**
   * The head timer hears the end of every response on a keep-alive connection, the gateway's own
   * errors too (here a 503: the upstream refuses connections), so the next head is timed: 408.
   */
  @Test
  void aHeadAfterAGatewayErrorOnTheSameConnectionIsTimed() {
    double before = headTimeouts();
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      raw.send("GET /down/first HTTP/1.1\r\nHost: shop.test\r\n\r\n");
      String first = raw.readResponse();
      assertTrue(first.startsWith("HTTP/1.1 503 ") && !first.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), first);
      raw.send("GET /slow-after-error HTTP/1.1\r\nHost: shop.test\r\n");
      String answer = raw.answerWithin(5_000);
      assertNotNull(answer, "the second head was not timed");
      assertTrue(answer.startsWith("HTTP/1.1 408 ") && answer.contains("x-gatehouse-reason: request_header_timeout"), answer);
    }
    assertEquals(before + 1, headTimeouts(), "gatehouse_limit_rejected_total{limit=header_timeout}");
  }

  /** A loopback port that nothing listens on (connections to it are refused). */
  private static int closedPort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The first head on a clear-text listener (issue 13 item 8, slowloris): timed from the accept,
   * before Vert.x has told HTTP/1.1 from h2c and parsed a head. A header line every 300 ms would
   * go on forever; the 1 s head timeout answers 408 and closes, and nothing reaches the upstream.
   */
  @Test
  void aTrickledFirstHeadOnClearTextGets408AndIsClosed() {
    double before = headTimeouts();
    long start = System.nanoTime();
    String answer = null;
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      raw.send("GET /trickled-first HTTP/1.1\r\n");
      for (int i = 0; i < 20 && answer == null; i++) {
        answer = raw.answerWithin(300);
        if (answer == null) {
          try {
            raw.send("x-line-" + i + ": " + i + "\r\n");
          } catch (java.io.UncheckedIOException closedMeanwhile) {
            answer = raw.answerWithin(1_000);
          }
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    assertNotNull(answer, "no answer after 20 header lines");
    assertTrue(answer.startsWith("HTTP/1.1 408 ") && answer.contains("x-gatehouse-reason: request_header_timeout")
        && answer.contains("\"reason\":\"request_header_timeout\"") && answer.contains("connection: close"),
        "expected a 408, got [" + answer + "]");
    assertTrue(seconds >= 0.9 && seconds < 3, "answered after " + seconds + " s");
    assertTrue(upstream.requests().stream().noneMatch(r -> r.uri().contains("trickled-first")), "the upstream saw it");
    assertEquals(before + 1, headTimeouts(), "gatehouse_limit_rejected_total{limit=header_timeout}");
    Await.until("access log line", 5, () -> gateway.accessLog().lines()
        .anyMatch(l -> l.contains("\"status\":408") && l.contains("request_header_timeout")
            && l.contains("\"protocol\":\"HTTP/1.1\"")));
  }

  @Test
  void aSlowButInTimeFirstHeadIsServed() {
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      raw.send("GET /slow-first HTTP/1.1\r\n");
      for (String line : new String[] {"Host: shop.test\r\n", "x-a: 1\r\n", "\r\n"}) {
        assertNull(raw.answerWithin(200), "answered before the head was complete");
        raw.send(line);
      }
      assertTrue(raw.readResponse().startsWith("HTTP/1.1 200"));
    }
    assertTrue(upstream.requests().stream().anyMatch(r -> r.uri().equals("/slow-first")));
  }

  /**
   * A client still sending the HTTP/2 preface when the head timeout runs out gets no HTTP/1.1
   * text (it may speak HTTP/2): the connection is just closed, and counted.
   */
  @Test
  void aTrickledH2cPrefaceIsClosedWithoutAnHttp1Answer() {
    double before = headTimeouts();
    long start = System.nanoTime();
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      raw.send("PRI * HTTP/2.0\r\n");
      assertEquals("", raw.answerWithin(4_000), "closed, and nothing written");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds >= 0.9 && seconds < 4, "closed after " + seconds + " s (the idle timeout is 5 s)");
    assertEquals(before + 1, headTimeouts());
    Await.until("access log line", 5, () -> gateway.accessLog().lines()
        .anyMatch(l -> l.contains("request_header_timeout") && l.contains("\"protocol\":\"HTTP/2\"")));
  }

  /** h2c with prior knowledge has its own limits once up: the head timer stops, and the connection lives on. */
  @Test
  void anH2cConnectionOutlivesTheHeadTimeout() throws InterruptedException {
    double before = headTimeouts();
    try (H2Client h2 = H2Client.plain(gateway.port())) {
      h2.headers(1, true, H2Client.get("shop.test", "/h2c-first"));
      assertEquals(200, h2.await(1, 5_000).status());
      Thread.sleep(1_500);
      h2.headers(3, true, H2Client.get("shop.test", "/h2c-later"));
      assertEquals(200, h2.await(3, 5_000).status());
    }
    assertEquals(before, headTimeouts());
  }

  private static double headTimeouts() {
    return PromText.parse(gateway.gatehouse.metrics().scrape()).find("gatehouse_limit_rejected_total",
        java.util.Map.of("limit", "header_timeout", "listener", "http")).stream().mapToDouble(PromText.Sample::value).sum();
  }

  @Test
  void anIdleConnectionIsClosedCountedAndLogged() {
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      raw.send("GET /idle HTTP/1.1\r\nHost: shop.test\r\n\r\n");
      assertTrue(raw.readResponse().startsWith("HTTP/1.1 200"));
      assertTrue(raw.closedWithin(10_000), "the idle connection should be closed");
    }
    assertTrue(gateway.gatehouse.metrics().scrape().contains("limit=\"idle_timeout\",listener=\"http\""));
    Await.until("access log line", 5, () -> gateway.accessLog().contains("idle_timeout"));
  }
}
