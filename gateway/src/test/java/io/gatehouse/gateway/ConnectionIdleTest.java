package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A listener's connection idle timeout ({@code limits.idleTimeout}, here 1 s) counts traffic
 * either way: a response the upstream trickles out for longer than the timeout, or a request body
 * the client trickles in, keeps its connection, which then serves the next request; a connection
 * with nothing either way for the timeout is closed, counted and logged, on clear text and on TLS
 * alike (where the connection also writes without Vert.x's chunked-file writer).
 */
class ConnectionIdleTest {
  /** Six pieces of 8 bytes, 400 ms apart: 2 s without a byte from the client. */
  private static final int PIECES = 6;
  private static final String PIECE = "piece-x\n";

  static Vertx vertx;
  static EchoUpstream upstream;
  static Path dir;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx).on("/trickle", request -> {
      HttpServerResponse response = request.response().putHeader("content-length", String.valueOf(PIECES * PIECE.length()));
      AtomicInteger sent = new AtomicInteger();
      vertx.setPeriodic(400, id -> {
        response.write(PIECE);
        if (sent.incrementAndGet() == PIECES) {
          vertx.cancelTimer(id);
          response.end();
        }
      });
    });
    dir = Files.createTempDirectory("idle");
    TestCerts.in(dir).server("default", "localhost");
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: http, port: 0, limits: { idleTimeout: 1s } }
          - name: https
            port: 0
            protocol: HTTPS
            limits: { idleTimeout: 1s }
            tls: { certificates: [{ hosts: [localhost], cert: "%1$s/default.crt", key: "%1$s/default.key" }] }
        upstreams: [{ name: up, endpoints: ["%2$s"] }]
        routes: [{ name: any, backends: [{ upstream: up }] }]
        """.formatted(dir, upstream.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  @Test
  void aResponseTrickledLongerThanTheTimeoutKeepsItsConnection() {
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      trickleThenIdle(raw, "http");
    }
  }

  @Test
  void overTlsToo() {
    try (RawTcp raw = RawTcp.tls(gateway.gatehouse.listenerPort("https"), "localhost")) {
      trickleThenIdle(raw, "https");
    }
  }

  @Test
  void aRequestBodyTrickledLongerThanTheTimeoutKeepsItsConnection() throws InterruptedException {
    double before = idleClosed("http");
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      raw.send("POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: " + PIECES * PIECE.length() + "\r\n\r\n");
      for (int i = 0; i < PIECES; i++) {
        Thread.sleep(400);
        raw.send(PIECE);
      }
      String answer = raw.readResponse();
      assertTrue(answer.startsWith("HTTP/1.1 200") && answer.contains("\"bodyBytes\":" + PIECES * PIECE.length()), answer);
      assertEquals(before, idleClosed("http"), "closed while the body came in");
      assertTrue(raw.closedWithin(5_000), "idle after the answer: closed");
    }
  }

  private static void trickleThenIdle(RawTcp raw, String listener) {
    double before = idleClosed(listener);
    raw.send("GET /trickle HTTP/1.1\r\nHost: localhost\r\n\r\n");
    String answer = raw.readResponse();
    assertTrue(answer.startsWith("HTTP/1.1 200") && answer.endsWith(PIECE.repeat(PIECES)), answer);
    raw.send("GET /next HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assertTrue(raw.readResponse().startsWith("HTTP/1.1 200"), "the same connection serves the next request");
    assertEquals(before, idleClosed(listener), "no idle close while the response trickled");
    long start = System.nanoTime();
    assertFalse(raw.closedWithin(700), "closed before the idle timeout");
    assertTrue(raw.closedWithin(5_000), "an idle connection should be closed");
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 3, "closed after " + seconds + " s (the idle timeout is 1 s)");
    Await.until("counted", 5, () -> idleClosed(listener) == before + 1);
    Await.until("logged", 5, () -> gateway.accessLog().lines()
        .anyMatch(l -> l.contains("\"listener\":\"" + listener + "\"") && l.contains("idle_timeout: no traffic for 1000ms")));
  }

  private static double idleClosed(String listener) {
    return PromText.parse(gateway.gatehouse.metrics().scrape()).find("gatehouse_limit_rejected_total",
        Map.of("limit", "idle_timeout", "listener", listener)).stream().mapToDouble(PromText.Sample::value).sum();
  }
}
