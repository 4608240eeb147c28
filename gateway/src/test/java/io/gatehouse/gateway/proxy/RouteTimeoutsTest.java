package io.gatehouse.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Route timeouts on one event loop: only requests still waiting expire, none before its deadline, on the request's context. */
class RouteTimeoutsTest {
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** A request that records when it expired and on which context. */
  static final class Request extends RouteTimeouts.Waiting {
    final int id;
    final long startNanos;
    final List<Request> expired;
    long expiredNanos;
    Context expiredOn;

    Request(int id, long startNanos, List<Request> expired) {
      this.id = id;
      this.startNanos = startNanos;
      this.expired = expired;
    }

    @Override void timedOut() {
      expiredNanos = System.nanoTime();
      expiredOn = Vertx.currentContext();
      expired.add(this);
    }
  }

  @Test
  void onlyWaitingRequestsExpireInOrderAndNotEarly() throws Exception {
    List<Request> expired = new CopyOnWriteArrayList<>();
    List<Request> started = new ArrayList<>();
    Context context = vertx.getOrCreateContext();
    CompletableFuture<Void> done = new CompletableFuture<>();
    // 60 requests started 2 ms apart under one 80 ms timeout and 20 under a 30 ms one; every third is answered in time.
    context.runOnContext(v -> {
      for (int i = 0; i < 80; i++) {
        int id = i;
        vertx.setTimer(1 + 2L * (i % 60), t -> {
          Request r = new Request(id, System.nanoTime(), expired);
          started.add(r);
          RouteTimeouts.start(r, id < 60 ? 80 : 30, r.startNanos);
          if (id % 3 == 0) {
            vertx.setTimer(5, s -> RouteTimeouts.stop(r));
          }
        });
      }
      vertx.setTimer(400, t -> done.complete(null));
    });
    done.get(10, TimeUnit.SECONDS);
    List<Integer> ids = expired.stream().map(r -> r.id).toList();
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      if (i % 3 != 0) {
        expected.add(i);
      }
    }
    assertEquals(expected, ids.stream().sorted().toList(), "exactly the requests never stopped expire");
    for (Request r : expired) {
      long waitedMillis = TimeUnit.NANOSECONDS.toMillis(r.expiredNanos - r.startNanos);
      assertTrue(waitedMillis >= (r.id < 60 ? 80 : 30), "request " + r.id + " expired after " + waitedMillis + " ms");
      assertEquals(context, r.expiredOn, "expired on the context that started it");
    }
    List<Integer> slow = ids.stream().filter(id -> id < 60).toList();
    assertEquals(slow.stream().sorted().toList(), slow, "one timeout's requests expire in the order they started");
    assertEquals(80, started.size());
  }

  @Test
  void aRequestStartedAgainAfterExpiringExpiresAgain() throws Exception {
    List<Request> expired = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(v -> {
      Request r = new Request(1, System.nanoTime(), expired);
      RouteTimeouts.start(r, 10, r.startNanos);
      vertx.setTimer(50, t -> {
        RouteTimeouts.stop(r); // stopping an expired request does nothing
        RouteTimeouts.start(r, 10, System.nanoTime());
        vertx.setTimer(50, u -> done.complete(null));
      });
    });
    done.get(10, TimeUnit.SECONDS);
    assertEquals(2, expired.size());
  }

  @Test
  void startingOffAnEventLoopIsRefused() {
    Request r = new Request(1, System.nanoTime(), new ArrayList<>());
    assertThrows(IllegalStateException.class, () -> RouteTimeouts.start(r, 10, r.startNanos));
  }
}
