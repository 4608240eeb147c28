package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The waits between tries, timed at a real upstream: the jittered exponential backoff, an
 * upstream's Retry-After (seconds and HTTP-date) up to the cap and never past the route timeout,
 * and a wait given up (with its retry-budget slot) when the client leaves. Bounds are loose for a
 * loaded machine, but a retry sent at once (a few ms) fails every one of them.
 */
class RetryBackoffTest {
  Vertx vertx;
  EchoUpstream upstream;
  TestGateway gateway;
  /** When each try reached the upstream (System.nanoTime()). */
  final List<Long> arrivals = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    upstream.close();
    vertx.close();
  }

  private long gapMillis(int from) {
    return (arrivals.get(from + 1) - arrivals.get(from)) / 1_000_000;
  }

  /** The first try answers 503 with {@code retryAfter}; later ones 200. */
  private void busyOnceSaying(String retryAfter) {
    upstream.on("/", r -> {
      arrivals.add(System.nanoTime());
      if (arrivals.size() == 1) {
        r.response().setStatusCode(503).putHeader("retry-after", retryAfter).end("busy");
      } else {
        r.response().end("done");
      }
    });
  }

  private void route(String extra) {
    gateway = TestGateway.start("""
        upstreams: [{ name: u, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: u }], %s }]
        """.formatted(upstream.address(), extra));
  }

  @Test
  void retriesAreSpreadByAJitteredExponentialBackoff() {
    upstream.on("/", r -> {
      arrivals.add(System.nanoTime());
      r.response().setStatusCode(503).end("always busy");
    });
    route("retries: { attempts: 6, on: [\"503\"], backoff: { base: 100ms, max: 800ms } }");
    TestGateway.TestResponse r = gateway.get("/");
    assertEquals(503, r.status());
    assertEquals("7", r.header("x-gatehouse-attempts"));
    assertEquals(7, arrivals.size());
    long[] bounds = {100, 200, 400, 800, 800, 800};
    long later = 0;
    for (int i = 0; i < bounds.length; i++) {
      long gap = gapMillis(i);
      // Full jitter: each wait is below its bound (plus scheduling slack on a busy machine).
      assertTrue(gap < bounds[i] + 400, "retry " + (i + 1) + " waited " + gap + " ms (bound " + bounds[i] + " ms)");
      if (i > 0) {
        later += gap; // the first retry also pays for loading its code (~35 ms when cold)
      }
    }
    // Five draws below 200, 400, 800, 800 and 800 ms add up to under 50 ms with a chance of 1 in 10 million;
    // retries sent at once are 2-3 ms apart.
    assertTrue(later >= 50, "retries 2 to 6 waited only " + later + " ms in all: no backoff");
  }

  @Test
  void retryAfterInSecondsIsWaitedFor() {
    busyOnceSaying("1");
    route("retries: { attempts: 1, on: [\"503\"] }");
    TestGateway.TestResponse r = gateway.get("/");
    assertEquals(200, r.status());
    assertEquals("2", r.header("x-gatehouse-attempts"));
    long gap = gapMillis(0);
    assertTrue(gap >= 950 && gap < 3000, "waited " + gap + " ms for Retry-After: 1");
  }

  @Test
  void retryAfterAsAnHttpDateIsWaitedFor() {
    // Whole seconds: the date two seconds ahead, written now, is between one and two seconds away.
    busyOnceSaying(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(2)));
    route("retries: { attempts: 1, on: [\"429\", \"503\"] }");
    TestGateway.TestResponse r = gateway.get("/");
    assertEquals(200, r.status());
    long gap = gapMillis(0);
    assertTrue(gap >= 700 && gap < 4000, "waited " + gap + " ms for a date 1-2 s ahead");
  }

  @Test
  void aRetryAfterOverTheCapIsPassedToTheClientAtOnce() {
    busyOnceSaying("5");
    route("retries: { attempts: 1, on: [\"503\"], backoff: { base: 25ms, maxRetryAfter: 2s } }");
    long start = System.nanoTime();
    TestGateway.TestResponse r = gateway.get("/");
    long took = (System.nanoTime() - start) / 1_000_000;
    assertEquals(503, r.status());
    assertEquals("5", r.header("retry-after"), "the client learns when to come back");
    assertEquals("1", r.header("x-gatehouse-attempts"));
    assertTrue(took < 1500, "answered after " + took + " ms");
    assertEquals(1, arrivals.size());
  }

  @Test
  void aRetryAfterPastTheRouteTimeoutIsNotWaitedFor() {
    busyOnceSaying("2");
    route("timeout: 1s, retries: { attempts: 1, on: [\"503\"] }");
    TestGateway.TestResponse r = gateway.get("/");
    assertEquals(503, r.status(), "the upstream's answer, not a 504 after waiting");
    assertEquals("1", r.header("x-gatehouse-attempts"));
    assertEquals(1, arrivals.size());
  }

  @Test
  void aClientThatLeavesEndsTheWaitAndItsHoldOnTheRetryBudget() {
    // One retry may be in flight or waiting at a time. "wait" is asked to come back in 5 s.
    Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
    upstream.on("/", r -> {
      String test = r.getHeader("x-test");
      int n = tries.computeIfAbsent(test, t -> new AtomicInteger()).incrementAndGet();
      if (test.equals("wait")) {
        r.response().setStatusCode(503).putHeader("retry-after", "5").end();
      } else {
        r.response().setStatusCode(n == 1 ? 503 : 200).end();
      }
    });
    gateway = TestGateway.start("""
        upstreams: [{ name: u, endpoints: ["%s"], retryBudget: { percent: 0, minRetries: 1 } }]
        routes: [{ name: r, backends: [{ upstream: u }], retries: { attempts: 1, on: ["503"] } }]
        """.formatted(upstream.address()));
    try (Socket leaving = new Socket("127.0.0.1", gateway.port())) {
      leaving.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\nx-test: wait\r\nx-request-id: leaving\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      Await.until("the first try reached the upstream", 5, () -> tries.containsKey("wait"));
      TestGateway.TestResponse refused = gateway.get("/", Map.of("x-test", "refused"));
      assertEquals(503, refused.status());
      assertEquals("1", refused.header("x-gatehouse-attempts"), "the waiting retry holds the only budget slot");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Await.until("the leaving client's request is logged", 5, () -> gateway.accessLog().contains("leaving"));
    TestGateway.TestResponse after = gateway.get("/", Map.of("x-test", "after"));
    assertEquals(200, after.status());
    assertEquals("2", after.header("x-gatehouse-attempts"), "the slot came back when the client left");
    assertEquals(1, tries.get("wait").get(), "the wait was given up, not retried");
  }
}
