package io.gatehouse.gateway.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Handler;
import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.TimeUnit;

/**
 * Route timeouts without a timer per request. All requests of a route wait under the same
 * timeout, so on one event loop those waiting under one value expire in the order they started:
 * a FIFO list per event loop and timeout value is already sorted by deadline. Starting and
 * stopping a wait links and unlinks the request (O(1), nothing allocated), and one Netty task per
 * list, armed for its oldest deadline, expires what is due; it is not cancelled when its request
 * finishes early (it re-arms for the list's new oldest deadline when it runs, at most once per
 * timeout period, and drops the list once it is empty). Vert.x's {@code setTimer} made four
 * objects per request (its handler, Netty's task, a {@code Long} id and a map node) and two
 * priority-queue and map updates. Used on event-loop threads only.
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
    private ContextInternal context;

    /** Runs on the request's context once its deadline passed while it was still waiting. */
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
    LongObjectHashMap<RouteTimeouts> loop = LOOPS.get();
    RouteTimeouts list = loop.get(timeoutMillis);
    if (list == null) {
      list = new RouteTimeouts(loop, context.nettyEventLoop(), timeoutMillis);
      loop.put(timeoutMillis, list);
    }
    request.context = context;
    request.deadlineNanos = startNanos + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    list.append(request);
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
      due.context.emit(due, EXPIRE);
    }
    if (oldest != null) {
      arm(oldest.deadlineNanos - now);
    } else if (loop.get(timeoutMillis) == this) {
      loop.remove(timeoutMillis); // the next request under this timeout makes a new list
    }
  }
}
