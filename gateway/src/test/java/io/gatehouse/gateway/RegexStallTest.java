package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A route regex that backtracks catastrophically on java.util.regex ({@code (.*a){14}$}: 8.4 s for
 * one 34-character path, with every other connection on that event loop stalled) runs on RE2 in
 * linear time: the request is answered at once and the loop's other connections never notice.
 */
@Tag("reliability")
class RegexStallTest {
  @Test
  void aBacktrackingRegexNeitherStallsItsRequestNorTheEventLoop() throws Exception {
    try (TestGateway gateway = TestGateway.start("""
        routes:
          - { name: r3, match: [{ path: { regex: "/r3/(.*a){14}$" } }], directResponse: { status: 200, body: r3 } }
          - { name: rest, directResponse: { status: 200, body: rest } }
        """)) {
      String stall = "/r3/" + "a".repeat(29) + "b"; // 34 characters, no match: the worst case for backtracking
      assertEquals(34, stall.length());
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong slowest = new AtomicLong();
      AtomicLong others = new AtomicLong();
      // Another client on the same (single) event loop, timing every request it makes.
      CompletableFuture<Void> neighbour = CompletableFuture.runAsync(() -> {
        while (running.get()) {
          long start = System.nanoTime();
          assertEquals("rest", gateway.get("/other").body());
          slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
          others.incrementAndGet();
        }
      });
      Await.until("the neighbour is running", 5, () -> others.get() > 5);
      long start = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        TestGateway.TestResponse response = gateway.get(stall);
        assertEquals("rest", response.body(), "the regex does not match, so the catch-all answers");
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals("r3", gateway.get("/r3/" + "a".repeat(14)).body());
      running.set(false);
      neighbour.get(10, TimeUnit.SECONDS);
      assertTrue(millis < 2_000, "20 stall paths took " + millis + " ms");
      long slowestMillis = TimeUnit.NANOSECONDS.toMillis(slowest.get());
      assertTrue(slowestMillis < 1_000, "a neighbour's request took " + slowestMillis + " ms");
      assertTrue(gateway.admin("/metrics").body().contains("gatehouse_eventloop_blocked_total 0.0"),
          "the watchdog saw no blocked loop");
    }
  }
}
