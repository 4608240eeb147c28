package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One malformed request never affects another (issue 13 item 1: an h2 {@code :path} with CR LF
 * wedged a pooled HTTP/1.1 upstream connection, and every request to that upstream hung for 15 s).
 * Every request of the adversarial suite ({@link Malformed}) is sent, and after each one a normal
 * request over every listener kind (HTTP/1.1 clear text, HTTP/1.1 over TLS, h2c, h2 over TLS) to
 * the same upstream must answer within 1 s.
 */
class EdgeIsolationTest {
  static final long NORMAL_MILLIS = 1_000;
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;
  static int http;
  static int https;

  @BeforeAll
  static void start() throws IOException {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    Path dir = Files.createTempDirectory("isolation");
    TestCerts certs = TestCerts.in(dir);
    certs.server("shop", "shop.test");
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: http, port: 0, protocol: HTTP }
        %s
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes: [{ name: any, backends: [{ upstream: up }] }]
        """.formatted(certs.httpsListener("shop"), upstream.address()));
    http = gateway.port();
    https = gateway.gatehouse.listenerPort("https");
    normalRequests("warm-up");  // first TLS handshakes and JIT are not what is measured
  }

  @AfterAll
  static void stop() {
    NORMAL.forEach(Normal::reset);
    gateway.close();
    upstream.close();
    vertx.close();
  }

  @Test
  void everyMalformedRequestLeavesOtherRequestsToTheSameUpstreamUnaffected() {
    List<String> slow = new ArrayList<>();
    for (Malformed.H1 c : Malformed.HTTP1) {
      for (boolean tls : new boolean[] {false, true}) {
        try (RawTcp raw = tls ? RawTcp.tls(https, "shop.test") : RawTcp.connect(http)) {
          raw.send(c.bytes());
          raw.closedWithin(3_000);
        } catch (UncheckedIOException | AssertionError e) {
          // the gateway may answer with bytes or close first: either is fine here
        }
        slow.addAll(normalRequests((tls ? "TLS " : "") + c.name()));
      }
    }
    for (Malformed.H2 c : Malformed.HTTP2) {
      for (boolean tls : new boolean[] {false, true}) {
        try (H2Client h2 = tls ? H2Client.tls(https, "shop.test") : H2Client.plain(http)) {
          c.send().accept(h2);
          h2.await(1, 3_000);
        }
        slow.addAll(normalRequests((tls ? "h2 " : "h2c ") + c.name()));
      }
    }
    assertTrue(slow.isEmpty(), "normal requests slower than " + NORMAL_MILLIS + " ms or failed: " + slow);
  }

  @Test
  void anH2PathWithCrLfDoesNotStallTheUpstreamForOthers() {
    // The report's exact sequence: the injection on h2 over TLS, then plain and TLS clients at once.
    try (H2Client h2 = H2Client.tls(https, "shop.test")) {
      h2.headers(1, true, H2Client.get("shop.test", "/x HTTP/1.1\r\nX-Injected: 1\r\nx:"));
      H2Client.Outcome outcome = h2.await(1, 3_000);
      assertTrue(outcome.status() == 400, "the injection must be answered 400 at once: " + outcome);
    }
    List<String> slow = normalRequests("after the injection");
    assertTrue(slow.isEmpty(), slow.toString());
  }

  /** One normal GET over each listener kind; the descriptions of those that failed or took over 1 s. */
  private static List<String> normalRequests(String after) {
    List<String> slow = new ArrayList<>();
    for (Normal client : NORMAL) {
      long start = System.nanoTime();
      String result;
      try {
        result = client.get();
      } catch (RuntimeException | AssertionError e) {
        client.reset();
        result = e.toString();
      }
      long millis = (System.nanoTime() - start) / 1_000_000;
      if (!result.equals("200") || millis > NORMAL_MILLIS) {
        slow.add(client.kind + " after [" + after + "]: " + result + " in " + millis + " ms");
      }
    }
    return slow;
  }

  static final List<Normal> NORMAL = List.of(new Normal("http/1.1"), new Normal("https/1.1"), new Normal("h2c"), new Normal("h2"));

  /**
   * A well-behaved client of one listener kind on a kept-alive connection (a new one after a
   * failure), so that what is timed is the request, not handshakes on a loaded machine.
   */
  static final class Normal {
    final String kind;
    private RawTcp h1;
    private H2Client h2;
    private int stream = 1;

    Normal(String kind) {
      this.kind = kind;
    }

    String get() {
      switch (kind) {
        case "http/1.1", "https/1.1" -> {
          if (h1 == null) {
            h1 = kind.equals("http/1.1") ? RawTcp.connect(http) : RawTcp.tls(https, "shop.test");
          }
          String answer = h1.send("GET /normal HTTP/1.1\r\nHost: shop.test\r\n\r\n").readResponse();
          return answer.substring(9, 12);
        }
        default -> {
          if (h2 == null) {
            h2 = kind.equals("h2c") ? H2Client.plain(http) : H2Client.tls(https, "shop.test");
            stream = 1;
          }
          h2.headers(stream, true, H2Client.get("shop.test", "/normal"));
          int status = h2.await(stream, NORMAL_MILLIS + 500).status();
          stream += 2;
          return String.valueOf(status);
        }
      }
    }

    void reset() {
      if (h1 != null) {
        h1.close();
      }
      if (h2 != null) {
        h2.close();
      }
      h1 = null;
      h2 = null;
    }
  }
}
