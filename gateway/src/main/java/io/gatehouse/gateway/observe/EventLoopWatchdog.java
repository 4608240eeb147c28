package io.gatehouse.gateway.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Notices an event loop that stops turning (Envoy's watchdog). Every event loop stamps a heartbeat
 * each {@link #BEAT}; a thread of its own checks the stamps, and a loop whose last beat is older
 * than the threshold is blocked: every connection it owns is stalled. While any loop is blocked
 * {@link #blocked()} is true (the admin's {@code /ready} answers 503, so a load balancer sends new
 * connections elsewhere); each episode is counted once in {@code gatehouse.eventloop.blocked} and
 * logged once when it starts and once when it ends.
 */
public final class EventLoopWatchdog implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(EventLoopWatchdog.class.getName());
  /** Heartbeat period: 100 ms keeps the check cheap and the detection within threshold + 0.1 s. */
  static final Duration BEAT = Duration.ofMillis(100);
  /**
   * The default threshold: two seconds without a beat, Vert.x's own blocked-thread limit; shorter
   * would flip readiness on a busy host's class loading and GC pauses (1.1 s seen at start-up).
   */
  public static final Duration DEFAULT_THRESHOLD = Duration.ofSeconds(2);

  private final long thresholdNanos;
  private final List<Loop> loops = new ArrayList<>();
  private final Counter episodes;
  private final AtomicLong blockedNow = new AtomicLong();
  private final ScheduledExecutorService checker;

  /** One event loop: its last beat and whether an episode is open (checker thread only). */
  private static final class Loop {
    final String name;
    volatile long lastBeat = System.nanoTime();
    boolean blocked;
    long blockedSince;
    ScheduledFuture<?> beat;

    Loop(String name) {
      this.name = name;
    }
  }

  private EventLoopWatchdog(Duration threshold, MeterRegistry registry) {
    this.thresholdNanos = threshold.toNanos();
    this.episodes = Counter.builder("gatehouse.eventloop.blocked")
        .description("times an event loop was blocked longer than the watchdog threshold").register(registry);
    Gauge.builder("gatehouse.eventloop.blocked.loops", blockedNow, AtomicLong::get)
        .description("event loops blocked right now").register(registry);
    this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "gatehouse-watchdog");
      t.setDaemon(true);
      return t;
    });
  }

  /** Watches every event loop of {@code vertx}, with {@code threshold} before a loop counts as blocked. */
  public static EventLoopWatchdog start(Vertx vertx, Duration threshold, MeterRegistry registry) {
    EventLoopWatchdog watchdog = new EventLoopWatchdog(threshold, registry);
    int i = 0;
    for (EventExecutor executor : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      Loop loop = new Loop("event loop " + i++);
      long beat = BEAT.toNanos();
      loop.beat = executor.scheduleAtFixedRate(() -> loop.lastBeat = System.nanoTime(), 0, beat, TimeUnit.NANOSECONDS);
      watchdog.loops.add(loop);
    }
    watchdog.checker.scheduleAtFixedRate(watchdog::check, BEAT.toMillis(), BEAT.toMillis(), TimeUnit.MILLISECONDS);
    return watchdog;
  }

  /** True while any event loop is blocked over the threshold. */
  public boolean blocked() {
    return blockedNow.get() > 0;
  }

  private void check() {
    long now = System.nanoTime();
    long blocked = 0;
    for (Loop loop : loops) {
      long silent = now - loop.lastBeat;
      if (silent > thresholdNanos) {
        blocked++;
        if (!loop.blocked) {
          loop.blocked = true;
          loop.blockedSince = loop.lastBeat;
          episodes.increment();
          LOG.warning(() -> loop.name + " blocked for " + TimeUnit.NANOSECONDS.toMillis(silent)
              + " ms: its connections are stalled; /ready answers 503 until it recovers");
        }
      } else if (loop.blocked) {
        loop.blocked = false;
        long lasted = TimeUnit.NANOSECONDS.toMillis(loop.lastBeat - loop.blockedSince);
        LOG.info(() -> loop.name + " recovered after about " + lasted + " ms");
      }
    }
    blockedNow.set(blocked);
  }

  @Override public void close() {
    checker.shutdownNow();
    loops.forEach(l -> l.beat.cancel(false));
  }
}
