package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Mirrored copies reach the shadow upstream with their bodies while the primary neither waits nor fails. */
class MirrorTest {
  record Copy(String host, String uri, String body) {}

  static Vertx vertx;
  static EchoUpstream primary;
  static EchoUpstream shadow;
  static TestGateway gateway;
  static final List<Copy> copies = new CopyOnWriteArrayList<>();
  /** The shadow's answers to copies of /all, held until the test has every primary answer. */
  static final List<io.vertx.core.http.HttpServerResponse> held = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    primary = EchoUpstream.start(vertx, "primary");
    // The shadow is slow: 2 s per answer, and copies of /all are not answered until the test says
    // so. The primary's clients must not feel it.
    shadow = EchoUpstream.start(vertx, "shadow").on("/", req -> req.body().onSuccess(body -> {
      copies.add(new Copy(req.authority().toString(), req.uri(), body.toString()));
      if (req.uri().startsWith("/all")) {
        held.add(req.response());
      } else {
        vertx.setTimer(2_000, id -> req.response().end("shadow"));
      }
    }));
    gateway = TestGateway.start("""
        upstreams:
          - { name: primary, endpoints: ["%s"] }
          - { name: shadow, endpoints: ["%s"] }
          - { name: nowhere, endpoints: ["127.0.0.1:1"] }
        routes:
          - name: all
            match: [{ path: { prefix: /all } }]
            backends: [{ upstream: primary }]
            headers: { request: { set: { x-env: prod } } }
            mirror: { upstream: shadow, percent: 100 }
          - name: stream
            match: [{ path: { prefix: /stream } }]
            backends: [{ upstream: primary }]
            mirror: { upstream: shadow }
          - name: half
            match: [{ path: { prefix: /half } }]
            backends: [{ upstream: primary }]
            mirror: { upstream: shadow, percent: 50 }
          - name: broken
            match: [{ path: { prefix: /broken } }]
            backends: [{ upstream: primary }]
            mirror: { upstream: nowhere, percent: 100 }
        """.formatted(primary.address(), shadow.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    primary.close();
    shadow.close();
    vertx.close();
  }

  @Test
  void copiesReachTheMirrorWithBodyAndShadowHostWhileThePrimaryDoesNotWait() {
    for (int i = 0; i < 10; i++) {
      // The shadow answers no copy of /all before this loop is done: a primary that waited for its
      // mirror would never be answered (the client gives up after 20 s), however slow the machine.
      TestGateway.TestResponse r = gateway.send(gateway.request("/all/" + i, Map.of("host", "shop.test"))
          .POST(HttpRequest.BodyPublishers.ofString("order " + i)).build());
      assertEquals(200, r.status());
      assertEquals("primary", r.header("x-upstream"));
      assertEquals("order " + i, primary.lastRequest().body().toString());
    }
    Await.until("10 copies at the mirror", 10, () -> copiesAtMirror("/all") == 10);
    held.forEach(response -> response.end("shadow"));
    List<Copy> all = copies.stream().filter(c -> c.uri().startsWith("/all")).toList();
    for (int i = 0; i < 10; i++) {
      Copy copy = all.get(i);
      assertEquals("shop.test-shadow", copy.host());
      assertEquals("/all/" + i, copy.uri());
      assertEquals("order " + i, copy.body());
    }
    Await.until("mirror answers counted", 10, () -> gateway.gatehouse.metrics().scrape()
        .contains("gatehouse_mirror_requests_total{result=\"sent\",route=\"all\",upstream=\"shadow\"} 10.0"));
  }

  @Test
  void chunkedBodiesAreCopiedAsTheyStreamAndLargeOnesAreSkipped() {
    String body = "chunk ".repeat(2000);
    TestGateway.TestResponse r = gateway.send(gateway.request("/stream/chunked", Map.of())
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body.getBytes()))).build());
    assertEquals(200, r.status());
    assertEquals("chunked", primary.lastRequest().header("transfer-encoding"));
    assertEquals(body, primary.lastRequest().body().toString());
    Await.until("the chunked copy at the mirror", 10, () -> copiesAtMirror("/stream") == 1);
    assertEquals(body, copies.stream().filter(c -> c.uri().startsWith("/stream")).findFirst().orElseThrow().body());

    byte[] large = new byte[2 * 1024 * 1024];
    TestGateway.TestResponse big = gateway.send(gateway.request("/stream/large", Map.of())
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(large))).build());
    assertEquals(200, big.status());
    assertEquals(large.length, primary.lastRequest().body().length());
    Await.until("the large body counted as skipped", 10, () -> gateway.gatehouse.metrics().scrape()
        .contains("gatehouse_mirror_requests_total{result=\"skipped\",route=\"stream\",upstream=\"shadow\"} 1.0"));
    assertEquals(1, copiesAtMirror("/stream"));
  }

  @Test
  void aboutHalfIsMirroredAtFiftyPercent() {
    int n = 200;
    for (int i = 0; i < n; i++) {
      assertEquals(200, gateway.get("/half").status());
    }
    // Each copy is counted when the slow mirror has answered it: wait until the counts agree.
    Await.until("every copy answered and counted", 15, () -> sentCopies("half") == copiesAtMirror("/half"));
    double share = copiesAtMirror("/half") / (double) n;
    // sd = sqrt(0.25 / 200) = 0.035; ±0.13 is about 3.5 sd.
    assertTrue(Math.abs(share - 0.5) <= 0.13, "mirrored " + share);
  }

  private static long copiesAtMirror(String prefix) {
    return copies.stream().filter(c -> c.uri().startsWith(prefix)).count();
  }

  private static long sentCopies(String route) {
    var counter = gateway.gatehouse.metrics().registry().find("gatehouse.mirror.requests")
        .tags("route", route, "result", "sent").counter();
    return counter == null ? 0 : (long) counter.count();
  }

  @Test
  void aMirrorThatIsDownNeverFailsThePrimary() {
    for (int i = 0; i < 5; i++) {
      TestGateway.TestResponse r = gateway.get("/broken");
      assertEquals(200, r.status());
      assertEquals("primary", r.header("x-upstream"));
    }
    Await.until("failed copies counted", 10, () -> gateway.gatehouse.metrics().scrape()
        .contains("gatehouse_mirror_requests_total{result=\"failed\",route=\"broken\",upstream=\"nowhere\"} 5.0"));
  }
}
