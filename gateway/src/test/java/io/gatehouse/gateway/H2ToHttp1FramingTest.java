package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How an HTTP/2 request's body is framed to an HTTP/1.1 upstream, as the upstream's wire bytes
 * show: no body, no framing (RFC 9112 §6.3; NGINX and Envoy send none), where every HTTP/2 GET
 * used to arrive as {@code transfer-encoding: chunked} plus an empty last chunk; a body of unknown
 * length chunked (§7.1); a declared length kept (§6.2).
 */
class H2ToHttp1FramingTest {
  static Vertx vertx;
  static RawUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = RawUpstream.start(vertx);
    gateway = TestGateway.start("""
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes: [{ name: any, backends: [{ upstream: up }] }]
        """.formatted(upstream.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  @Test
  void getEndingWithItsHeadersGoesWithNoBodyAndNoFraming() {
    RawUpstream.Received got = send(h2 -> h2.headers(1, true, H2Client.get("shop.test", "/h2-get")), "GET /h2-get ");
    assertNull(got.header("transfer-encoding"), got.head());
    assertNull(got.header("content-length"), got.head());
    assertEquals("", got.body());
  }

  @Test
  void getEndingWithTrailersAndNoDataGoesWithNoBody() {
    RawUpstream.Received got = send(h2 -> h2.headers(1, false, H2Client.get("shop.test", "/h2-get-trailers"))
        .headers(1, true, "x-trailer", "1"), "GET /h2-get-trailers ");
    assertNull(got.header("transfer-encoding"), got.head());
    assertNull(got.header("content-length"), got.head());
    assertEquals("", got.body());
  }

  @Test
  void emptyPostSaysContentLengthZero() {
    // RFC 9110 §8.6: a method that gives content a meaning says when there is none (Envoy does too).
    RawUpstream.Received got = send(h2 -> h2.headers(1, true, H2Client.request("POST", "shop.test", "/h2-post-empty")),
        "POST /h2-post-empty ");
    assertNull(got.header("transfer-encoding"), got.head());
    assertEquals("0", got.header("content-length"), got.head());
    assertEquals("", got.body());
  }

  @Test
  void postWithABodyAndNoLengthIsChunked() {
    RawUpstream.Received got = send(h2 -> h2.headers(1, false, H2Client.request("POST", "shop.test", "/h2-post-chunked"))
        .data(1, true, "hello".getBytes(StandardCharsets.US_ASCII)), "POST /h2-post-chunked ");
    assertEquals("chunked", got.header("transfer-encoding"), got.head());
    assertNull(got.header("content-length"), got.head());
    assertEquals("5\r\nhello\r\n0\r\n\r\n", got.body());
  }

  @Test
  void postWithContentLengthKeepsIt() {
    RawUpstream.Received got = send(h2 -> h2.headers(1, false,
            H2Client.request("POST", "shop.test", "/h2-post-length", "content-length", "5"))
        .data(1, true, "hello".getBytes(StandardCharsets.US_ASCII)), "POST /h2-post-length ");
    assertNull(got.header("transfer-encoding"), got.head());
    assertEquals("5", got.header("content-length"), got.head());
    assertEquals("hello", got.body());
  }

  @Test
  void http1GetStillGoesWithNoFraming() {
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      raw.send("GET /h1-get HTTP/1.1\r\nHost: shop.test\r\n\r\n");
      String answer = raw.readResponse();
      assertEquals(true, answer.startsWith("HTTP/1.1 200"), answer);
    }
    RawUpstream.Received got = received("GET /h1-get ");
    assertNull(got.header("transfer-encoding"), got.head());
    assertNull(got.header("content-length"), got.head());
    assertEquals("", got.body());
  }

  /** Sends stream 1 on a new h2c connection, expects 200, and returns what the upstream got for the request line starting {@code requestLine}. */
  private static RawUpstream.Received send(java.util.function.Consumer<H2Client> request, String requestLine) {
    try (H2Client h2 = H2Client.plain(gateway.port())) {
      request.accept(h2);
      H2Client.Outcome outcome = h2.await(1, 15_000); // the first request of a fresh JVM on a loaded machine loads classes for seconds
      assertEquals(200, outcome.status(), outcome.toString());
    }
    return received(requestLine);
  }

  private static RawUpstream.Received received(String requestLine) {
    return upstream.requests().stream().filter(r -> r.head().startsWith(requestLine)).findFirst()
        .orElseThrow(() -> new AssertionError("the upstream got no " + requestLine + ": " + upstream.requests()));
  }
}
