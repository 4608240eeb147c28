package io.gatehouse.gateway.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keep-alive HTTP/1.1 connections in clear text to one upstream's endpoints, straight on Netty
 * (Netty's HTTP/1.1 codecs), where Vert.x's client cost the proxy more per request than its own
 * server did (perf/RESULTS.md, "Where the upstream side's cost goes"). Each event loop has its own
 * idle connections per endpoint, made on that loop and only used by requests running on it, so a
 * request, its connection and its response never leave the request's thread. An endpoint holds at
 * most {@code maxConnections} across all loops; a request that finds none idle on its loop and
 * the endpoint at its limit waits for one of its loop's connections, and a connection that
 * comes free on a loop with nobody waiting closes when requests wait on other loops, so that
 * one of them can connect.
 *
 * <p>Idle connections close after {@link #KEEP_ALIVE_MILLIS} (or the upstream's
 * {@code Keep-Alive: timeout}, if shorter); one sweep per loop and endpoint does it, not a timer
 * per connection.
 */
public final class H1Pool {
  /** How long an idle connection is kept, as Vert.x's client's default keep-alive timeout. */
  static final long KEEP_ALIVE_MILLIS = 60_000;

  private final String upstream;
  private final int maxConnections;
  private final Bootstrap bootstrap;
  private final VertxInternal vertx;
  private final ConcurrentHashMap<EndpointState, Endpoint> endpoints = new ConcurrentHashMap<>();
  private volatile boolean closed;

  H1Pool(Vertx vertx, String upstream, int maxConnections, int connectTimeoutMillis) {
    this.vertx = (VertxInternal) vertx;
    this.upstream = upstream;
    this.maxConnections = maxConnections;
    this.bootstrap = new Bootstrap()
        .channelFactory(this.vertx.transport().channelFactory(false))
        .resolver(this.vertx.nameResolver().nettyAddressResolverGroup())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, false)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis);
  }

  /**
   * A request to {@code endpoint} on an idle or new connection of the calling event loop: fails
   * on connect failure, and once the pool is closed.
   */
  Future<UpstreamRequest> request(EndpointState endpoint, HttpMethod method, String uri, MultiMap headers) {
    ContextInternal context = ContextInternal.current();
    if (closed) {
      return context.failedFuture(retired());
    }
    Endpoint pool = endpoints.computeIfAbsent(endpoint, Endpoint::new);
    Loop loop = pool.loop(context.nettyEventLoop());
    H1Connection idle = loop.idle();
    if (idle != null) {
      return context.succeededFuture(idle.begin(context, method, uri, headers, endpoint));
    }
    Promise<UpstreamRequest> promise = context.promise();
    Waiter waiter = new Waiter(context, method, uri, headers, promise);
    if (pool.tryOpen()) {
      loop.connect(waiter);
    } else {
      loop.waiters.add(waiter);
      pool.waiting.incrementAndGet();
    }
    return promise.future();
  }

  /** Closes the idle connections; connections in use close when their exchange ends. */
  void close() {
    closed = true;
    for (Endpoint pool : endpoints.values()) {
      for (Loop loop : pool.loops.values()) {
        loop.eventLoop.execute(loop::closeAll);
      }
    }
  }

  private IllegalStateException retired() {
    return new IllegalStateException("upstream " + upstream + " was retired by a reload");
  }

  /** A request waiting for a connection of its loop. */
  private record Waiter(ContextInternal context, HttpMethod method, String uri, MultiMap headers,
                        Promise<UpstreamRequest> promise) {
    /** The request begins on {@code connection}, on its own context. */
    void take(H1Connection connection, EndpointState endpoint) {
      context.emit(this, w -> w.promise.complete(connection.begin(w.context, w.method, w.uri, w.headers, endpoint)));
    }
  }

  /** One endpoint's connections: counted across loops, kept per loop. */
  private final class Endpoint {
    final EndpointState endpoint;
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger waiting = new AtomicInteger();
    final ConcurrentHashMap<EventLoop, Loop> loops = new ConcurrentHashMap<>();

    Endpoint(EndpointState endpoint) {
      this.endpoint = endpoint;
    }

    /** Counts one more connection if the endpoint is below its limit. */
    boolean tryOpen() {
      if (open.incrementAndGet() <= maxConnections) {
        return true;
      }
      open.decrementAndGet();
      return false;
    }

    Loop loop(EventLoop eventLoop) {
      Loop loop = loops.get(eventLoop);
      return loop != null ? loop : loops.computeIfAbsent(eventLoop, l -> new Loop(this, l));
    }

    /** A connection closed or was given up on {@code from}: a waiter of another loop may connect now. */
    void slotFreed(Loop from) {
      if (waiting.get() == 0) {
        return;
      }
      for (Loop loop : loops.values()) {
        if (loop != from) {
          loop.eventLoop.execute(loop::connectWaiter);
        }
      }
    }
  }

  /** One endpoint's connections on one event loop: touched by that loop's thread only. */
  final class Loop {
    final Endpoint pool;
    final EventLoop eventLoop;
    /** Idle connections, most recently used last. */
    final ArrayDeque<H1Connection> idle = new ArrayDeque<>();
    final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private boolean sweeping;

    Loop(Endpoint pool, EventLoop eventLoop) {
      this.pool = pool;
      this.eventLoop = eventLoop;
    }

    /** The most recently used idle connection still open and not past its keep-alive, or null. */
    H1Connection idle() {
      long now = System.nanoTime();
      H1Connection c;
      while ((c = idle.pollLast()) != null) {
        c.pooled = false;
        if (c.reusable(now)) {
          return c;
        }
        c.close();
      }
      return null;
    }

    void connect(Waiter waiter) {
      H1Connection connection = new H1Connection(this);
      ChannelFuture connecting = bootstrap.clone(eventLoop).handler(connection.initializer())
          .connect(vertx.transport().convert(pool.endpoint.address()));
      connection.channel = connecting.channel();
      connecting.addListener(f -> {
        if (f.isSuccess()) {
          waiter.take(connection, pool.endpoint);
        } else {
          freed();
          waiter.context.emit(f.cause(), waiter.promise::fail);
        }
      });
    }

    /** A waiter of this loop connects, if the endpoint is below its limit. */
    void connectWaiter() {
      Waiter waiter = waiters.peek();
      if (waiter == null || closed || !pool.tryOpen()) {
        return;
      }
      waiters.poll();
      pool.waiting.decrementAndGet();
      connect(waiter);
    }

    /**
     * {@code connection} finished an exchange and can carry another: to this loop's first waiter,
     * else closed if another loop's requests wait (freeing their slot), else idle.
     */
    void release(H1Connection connection) {
      Waiter waiter = waiters.poll();
      if (waiter != null) {
        pool.waiting.decrementAndGet();
        waiter.take(connection, pool.endpoint);
        return;
      }
      if (closed || pool.waiting.get() > 0) {
        connection.close();
        return;
      }
      connection.pooled = true;
      idle.addLast(connection);
      if (!sweeping) {
        sweeping = true;
        eventLoop.schedule(this::sweep, KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS);
      }
    }

    /** {@code connection}'s channel closed (it was counted in {@code open}). */
    void closed(H1Connection connection, boolean wasIdle) {
      if (wasIdle) {
        idle.remove(connection);
      }
      freed();
    }

    /** A counted connection closed or never connected: a waiter here, or on another loop, may connect now. */
    private void freed() {
      pool.open.decrementAndGet();
      connectWaiter();
      pool.slotFreed(this);
    }

    /** Closes the idle connections past their keep-alive; runs again while any are idle. */
    private void sweep() {
      long now = System.nanoTime();
      idle.removeIf(c -> {
        if (c.reusable(now)) {
          return false;
        }
        c.pooled = false;
        c.close();
        return true;
      });
      sweeping = !idle.isEmpty();
      if (sweeping) {
        eventLoop.schedule(this::sweep, KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS);
      }
    }

    void closeAll() {
      H1Connection c;
      while ((c = idle.pollLast()) != null) {
        c.pooled = false;
        c.close();
      }
      Waiter w;
      while ((w = waiters.poll()) != null) {
        pool.waiting.decrementAndGet();
        w.context.emit(retired(), w.promise::fail);
      }
    }
  }
}
