package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The adversarial suite ({@link Malformed}): each malformed request gets the RFC's answer, and the
 * recording upstream is checked to have received nothing of it, so "never forwarded" is observed.
 */
class EdgeValidationTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;
  static final List<Malformed.H1> HTTP1 = Malformed.HTTP1;
  static final List<Malformed.H2> HTTP2 = Malformed.HTTP2;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
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

  @ParameterizedTest(name = "{0}")
  @FieldSource("HTTP1")
  void http1RequestIsRefusedAndNeverForwarded(Malformed.H1 c) {
    int before = upstream.requests().size();
    String answer;
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      answer = raw.send(c.bytes()).readUntilClosed();  // every refusal closes the connection
    }
    if (c.status() == 0) {
      assertTrue(answer.isEmpty() || Malformed.matches(answer, 400, "invalid_framing"), answer);
    } else {
      assertTrue(Malformed.matches(answer, c.status(), c.reason()), c + " got: " + answer);
      assertTrue(answer.contains("\"requestId\":"), "the gateway's JSON error: " + answer);
    }
    assertNothingForwardedSince(before);
  }

  @ParameterizedTest(name = "{0}")
  @FieldSource("HTTP2")
  void http2RequestIsRefusedAndNeverForwarded(Malformed.H2 c) {
    int before = upstream.requests().size();
    H2Client.Outcome outcome;
    try (H2Client h2 = H2Client.plain(gateway.port())) {
      c.send().accept(h2);
      outcome = h2.await(1, 5_000);
    }
    if (c.status() == 0) {
      assertTrue(!outcome.answered() && (outcome.resetCode() >= 0 || outcome.closed()), c + " got: " + outcome);
    } else {
      assertEquals(c.status(), outcome.status(), c + " got: " + outcome);
      if (!c.reason().isEmpty()) {
        assertEquals(c.reason(), outcome.header("x-gatehouse-reason"), outcome.toString());
      }
    }
    assertNothingForwardedSince(before);
  }

  @Test
  void continuationFloodClosesTheConnection() {
    // CVE-2024-27316 class (HTTP/2 CONTINUATION flood): a header block that never ends must not be
    // buffered without bound; past maxHeaderSize (16 KiB here) the connection is closed.
    int before = upstream.requests().size();
    try (H2Client h2 = H2Client.plain(gateway.port())) {
      h2.frame(H2Client.HEADERS, 0, 1, H2Client.block(H2Client.get("shop.test", "/flood")));
      boolean closed = false;
      byte[] filler = H2Client.block("x-flood", "a".repeat(1000));
      for (int i = 0; i < 200 && !closed; i++) {
        try {
          h2.frame(H2Client.CONTINUATION, 0, 1, filler);
        } catch (UncheckedIOException e) {
          closed = true;
        }
      }
      assertTrue(closed || h2.closedWithin(5_000), "the connection should be closed");
    }
    assertNothingForwardedSince(before);
  }

  @Test
  void emptyContinuationFramesFloodClosesTheConnection() {
    // The same with empty CONTINUATION frames, which add no bytes to the block (Netty counts them).
    try (H2Client h2 = H2Client.plain(gateway.port())) {
      h2.frame(H2Client.HEADERS, 0, 1, H2Client.block(H2Client.get("shop.test", "/flood")));
      boolean closed = false;
      for (int i = 0; i < 100_000 && !closed; i++) {
        try {
          h2.frame(H2Client.CONTINUATION, 0, 1, new byte[0]);
        } catch (UncheckedIOException e) {
          closed = true;
        }
      }
      assertTrue(closed || h2.closedWithin(5_000), "the connection should be closed");
    }
  }

  @Test
  void refusalsAreInTheAccessLog() {
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      raw.send("POST /logged HTTP/1.1\r\nHost: shop.test\r\nTransfer-Encoding: xchunked\r\n\r\n").readUntilClosed();
    }
    Await.until("access log line", 5, () -> gateway.accessLog().contains("\"path\":\"/logged\""));
    String line = gateway.accessLog().lines().filter(l -> l.contains("\"path\":\"/logged\"")).findFirst().orElseThrow();
    assertTrue(line.contains("\"status\":501") && line.contains("unsupported_transfer_coding"), line);
  }

  @Test
  void theAuthorityOfAnAbsoluteFormTargetWinsOverHost() {
    // RFC 9112 §3.2.2: route by, and send upstream, the target's authority, not the Host field.
    try (TestGateway two = TestGateway.start("""
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes:
          - { name: shop, hosts: [shop.test], directResponse: { status: 403, body: shop } }
          - { name: other, hosts: [other.test], backends: [{ upstream: up }] }
        """.formatted(upstream.address()));
         RawTcp raw = RawTcp.connect(two.port())) {
      String answer = raw.send("GET http://other.test/x HTTP/1.1\r\nHost: shop.test\r\n\r\n").readResponse();
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
      assertEquals("other.test", upstream.lastRequest().header("host"));
      assertEquals("/x", upstream.lastRequest().uri());
    }
  }

  @Test
  void obsFoldIsReplacedBySpaceNeverForwardedAsAFold() {
    // RFC 9112 §5.2 lets a server replace obs-fold with SP (Netty does) instead of answering 400.
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      String answer = raw.send("GET /fold HTTP/1.1\r\nHost: shop.test\r\nX-A: a\r\n b\r\n\r\n").readResponse();
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    }
    assertEquals("a b", upstream.lastRequest().header("x-a"));
  }

  @Test
  void chunkedTransferCodingIsCaseInsensitive() {
    // RFC 9112 §7: transfer-coding names are case-insensitive; a valid request is not refused.
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      String answer = raw.send("POST /chunked HTTP/1.1\r\nHost: shop.test\r\nTransfer-Encoding: Chunked\r\n\r\n"
          + "5\r\nhello\r\n0\r\n\r\n").readResponse();
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    }
    assertEquals("hello", upstream.lastRequest().body().toString());
  }

  /** Sends a normal request and waits for it upstream; nothing but it may have arrived since {@code before}. */
  private static void assertNothingForwardedSince(int before) {
    assertEquals(200, gateway.get("/marker").status());
    List<String> since = upstream.requests().subList(before, upstream.requests().size()).stream()
        .map(r -> r.method() + " " + r.uri()).collect(Collectors.toList());
    assertEquals(List.of("GET /marker"), since, "the upstream received a refused request");
    assertFalse(since.stream().anyMatch(s -> s.contains("smuggled")));
  }
}
