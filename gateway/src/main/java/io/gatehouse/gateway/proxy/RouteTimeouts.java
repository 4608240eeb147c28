package io.gatehouse.gateway.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Handler;
import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.TimeUnit;

/**
 * Per-request timeouts without a timer per request: route timeouts, per-try timeouts
 * ({@link UpstreamCall}), the response's idle timeout ({@link IdleResponse}, also an EGRESS
 * listener's wait for the destination), the request body's stall timeout ({@link IdleBody}) and
 * the request-head timeout of keep-alive connections ({@link HeadTimer}): each a fixed duration
 * (per route or listener). Retry backoffs are random waits and stay on Vert.x timers
 * ({@link RetryBackoff}); they run only when a try failed. All waits under one timeout value on
 * one event loop expire in the order they started (each starts now, or at its request's arrival
 * just before), so a FIFO list per event loop and timeout value is already sorted by deadline.
 * Starting, restarting and stopping a wait links and unlinks it (O(1), nothing allocated), and one
 * Netty task per list, armed for its oldest deadline, expires what is due; it is not cancelled
 * when a wait stops early (it re-arms for the list's new oldest deadline when it runs, at most
 * once per timeout period, and drops the list once it is empty). Vert.x's {@code setTimer} (and Netty's {@code schedule}) made three to four objects per
 * wait (its handler, Netty's task, a {@code Long} id and a map node) and two priority-queue and
 * map updates. Used on event-loop threads only.
 */
final class RouteTimeouts implements Runnable {
  private static final FastThreadLocal<LongObjectHashMap<RouteTimeouts>> LOOPS = new FastThreadLocal<>() {
    @Override protected LongObjectHashMap<RouteTimeouts> initialValue() {
      return new LongObjectHashMap<>(4);
    }
  };
  private static final Handler<Waiting> EXPIRE = Waiting::timedOut;

  /** A request that may time out; it waits in at most one list at a time. */
  abstract static class Waiting {
    private Waiting previous;
    private Waiting next;
    private RouteTimeouts list;
    private long deadlineNanos;
    /** The Vert.x context to expire on; null for a wait started from a Netty handler. */
    private ContextInternal context;

    /**
     * Runs once the deadline passed while still waiting: on the request's context, or straight
     * on the event loop for a wait started from a Netty handler.
     */
    abstract void timedOut();
  }

  private final LongObjectHashMap<RouteTimeouts> loop;
  private final EventLoop executor;
  private final long timeoutMillis;
  private Waiting oldest;
  private Waiting newest;
  private boolean armed;

  private RouteTimeouts(LongObjectHashMap<RouteTimeouts> loop, EventLoop executor, long timeoutMillis) {
    this.loop = loop;
    this.executor = executor;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * Starts {@code request}'s wait of {@code timeoutMillis} (> 0) from {@code startNanos}
   * ({@link System#nanoTime()}); it must not be waiting already. Must run on an event loop.
   */
  static void start(Waiting request, long timeoutMillis, long startNanos) {
    ContextInternal context = ContextInternal.current();
    if (context == null || !context.isEventLoopContext() || !context.nettyEventLoop().inEventLoop()) {
      throw new IllegalStateException("route timeouts start on an event loop");
    }
    enter(request, timeoutMillis, startNanos, context.nettyEventLoop(), context);
  }

  /**
   * Starts a wait of {@code timeoutMillis} (> 0) from now for a Netty handler of a channel on
   * {@code executor}, which must be the current thread's; {@link Waiting#timedOut} then runs
   * straight on that event loop. The wait must not be waiting already.
   */
  static void start(Waiting wait, long timeoutMillis, EventLoop executor) {
    if (!executor.inEventLoop()) {
      throw new IllegalStateException("timeouts start on their event loop");
    }
    enter(wait, timeoutMillis, System.nanoTime(), executor, null);
  }

  private static void enter(Waiting wait, long timeoutMillis, long startNanos, EventLoop executor, ContextInternal context) {
    LongObjectHashMap<RouteTimeouts> loop = LOOPS.get();
    RouteTimeouts list = loop.get(timeoutMillis);
    if (list == null) {
      list = new RouteTimeouts(loop, executor, timeoutMillis);
      loop.put(timeoutMillis, list);
    }
    wait.context = context;
    wait.deadlineNanos = startNanos + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    list.append(wait);
  }

  /**
   * Starts {@code wait}'s timeout again from {@code nowNanos} ({@link System#nanoTime()}, now), if
   * it is waiting: an idle timeout after activity. On the wait's event loop.
   */
  static void restart(Waiting wait, long nowNanos) {
    RouteTimeouts list = wait.list;
    if (list != null) {
      list.unlink(wait);
      wait.deadlineNanos = nowNanos + TimeUnit.MILLISECONDS.toNanos(list.timeoutMillis);
      list.append(wait);
    }
  }

  /** Whether {@code wait} is waiting (started, and neither stopped nor expired). */
  static boolean waiting(Waiting wait) {
    return wait.list != null;
  }

  /** Stops {@code request}'s wait, if it is waiting. */
  static void stop(Waiting request) {
    RouteTimeouts list = request.list;
    if (list != null) {
      list.unlink(request);
    }
  }

  private void append(Waiting request) {
    request.list = this;
    request.previous = newest;
    request.next = null;
    if (newest == null) {
      oldest = request;
    } else {
      newest.next = request;
    }
    newest = request;
    if (!armed) {
      arm(request.deadlineNanos - System.nanoTime());
    }
  }

  private void unlink(Waiting request) {
    if (request.previous == null) {
      oldest = request.next;
    } else {
      request.previous.next = request.next;
    }
    if (request.next == null) {
      newest = request.previous;
    } else {
      request.next.previous = request.previous;
    }
    request.previous = null;
    request.next = null;
    request.list = null;
  }

  private void arm(long delayNanos) {
    armed = true;
    executor.schedule(this, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
  }

  /** The list's task: expires every request whose deadline passed, then re-arms for the oldest left. */
  @Override public void run() {
    armed = false;
    long now = System.nanoTime();
    while (oldest != null && oldest.deadlineNanos - now <= 0) {
      Waiting due = oldest;
      unlink(due);
      if (due.context != null) {
        due.context.emit(due, EXPIRE);
      } else {
        due.timedOut();
      }
    }
    if (oldest != null) {
      arm(oldest.deadlineNanos - now);
    } else if (loop.get(timeoutMillis) == this) {
      loop.remove(timeoutMillis); // the next request under this timeout makes a new list
    }
  }
}
