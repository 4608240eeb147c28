package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.internal.VertxInternal;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An event loop blocked past the watchdog's threshold (here each loop in turn, held on a latch
 * until the test has seen what it needs) turns {@code /ready} to 503 until it recovers, and each
 * episode is counted once in {@code gatehouse.eventloop.blocked} and logged once.
 */
@Tag("reliability")
class WatchdogTest {
  @Test
  void aBlockedEventLoopFailsReadinessIsCountedAndLoggedOnce() throws Exception {
    List<LogRecord> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    Logger watchdogLog = Logger.getLogger("io.gatehouse.gateway.observe.EventLoopWatchdog");
    Handler capture = new Handler() {
      @Override public void publish(LogRecord record) {
        if (record.getLevel() == Level.WARNING) {
          warnings.add(record);
        }
      }

      @Override public void flush() {}

      @Override public void close() {}
    };
    watchdogLog.addHandler(capture);
    HttpClient client = HttpClient.newHttpClient();
    try (TestGateway gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: http, port: 0, protocol: HTTP }]
        routes: [{ name: r, directResponse: { status: 200, body: ok } }]
        """, 2, o -> o.withWatchdogThreshold(Duration.ofMillis(500)))) {
      assertEquals(200, gateway.admin("/ready").status());
      List<EventExecutor> loops = new ArrayList<>();
      ((VertxInternal) gateway.gatehouse.vertx()).nettyEventLoopGroup().forEach(loops::add);
      assertEquals(2, loops.size());
      io.micrometer.core.instrument.Counter episodes = gateway.gatehouse.metrics().registry().counter("gatehouse.eventloop.blocked");
      int saw503 = 0;
      for (EventExecutor loop : loops) {
        double before = episodes.count();
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
          blocked.countDown();
          try {
            release.await(10, TimeUnit.SECONDS); // deliberately blocks this event loop
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        assertTrue(blocked.await(5, TimeUnit.SECONDS));
        // The admin server lives on one of the loops: while that one is blocked /ready cannot
        // answer at all (which a probe also counts as a failure); while the other is, it says 503.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        int status = 0;
        while ((status != 503 || episodes.count() <= before) && System.nanoTime() < deadline) {
          status = ready(client, gateway);
        }
        saw503 += status == 503 ? 1 : 0;
        assertTrue(status != 200, "readiness held while an event loop was blocked");
        assertTrue(episodes.count() > before, "the blocked loop is counted");
        release.countDown();
        Await.until("the loop recovers and /ready answers 200", 5, () -> ready(client, gateway) == 200);
      }
      assertEquals(1, saw503, "/ready answered 503 while the loop without the admin server was blocked");
      // A busy host stalls a loop now and then by itself; whatever the count, each episode logs once.
      assertEquals((long) episodes.count(), warnings.size(), "one warning per episode: "
          + warnings.stream().map(LogRecord::getMessage).toList());
      assertTrue(gateway.admin("/metrics").body().contains("gatehouse_eventloop_blocked_total " + episodes.count()));
      assertTrue(gateway.admin("/metrics").body().contains("gatehouse_eventloop_blocked_loops 0.0"));
      assertEquals("ok", gateway.get("/").body(), "traffic flows after recovery");
    } finally {
      watchdogLog.removeHandler(capture);
    }
  }

  /** {@code /ready}'s status, or -1 when it does not answer within 300 ms. */
  private static int ready(HttpClient client, TestGateway gateway) {
    try {
      return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gatehouse.adminPort() + "/ready"))
          .timeout(Duration.ofMillis(300)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
