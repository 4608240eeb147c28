package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.PolicyMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.gatehouse.routes.ListenerLimits;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A listener's per-connection limits that Vert.x has no option for: at most
 * {@code maxConnections} open at once (shared by the listener's event loops; one more is closed
 * at once), and the request-head read timeout ({@link HeadTimer}, 408) on HTTP/1.x connections.
 * Head timeouts and connections closed by the idle timeout are counted
 * ({@code gatehouse.limit.rejected}, limit {@code header_timeout} / {@code idle_timeout}) and logged.
 *
 * <p>Both start when Vert.x hands the connection over: on HTTPS once TLS is up, but on clear-text
 * listeners (which also take h2c) only once the first request head is parsed, so there the first
 * head is bounded by {@code maxHeaderSize} and the idle timeout, and later heads by the head timeout.
 * The connection count and {@code maxConnections} do not wait for that: {@link AcceptLimit} keeps
 * them on the listening socket, for every accepted connection.
 *
 * <p>It also tells HTTP/2 clients about a drain: GOAWAY to every open HTTP/2 connection when the
 * drain starts ({@link #goAway}), and to one opened during the drain once its first request
 * arrives (that stream is answered, later ones go elsewhere): HTTP/2's {@code Connection: close}.
 * One instance per listener instance, so per event loop: its set needs no lock.
 */
final class ConnectionGuard {
  private final String listener;
  private final ListenerLimits limits;
  private final AccessLog accessLog;
  private final AtomicLong open;
  private final Counter refused;
  private final Counter slowHeads;
  private final Counter idle;
  private final BooleanSupplier draining;
  private final Duration drainTimeout;
  private final Set<HttpConnection> http2 = new HashSet<>();
  /** True once {@link AcceptLimit} counts and bounds connections on the listening socket. */
  private boolean countedAtAccept;

  ConnectionGuard(String listener, ListenerLimits limits, AtomicLong open, PolicyMetrics metrics, AccessLog accessLog,
                  BooleanSupplier draining, Duration drainTimeout) {
    this.listener = listener;
    this.draining = draining;
    this.drainTimeout = drainTimeout;
    this.limits = limits;
    this.accessLog = accessLog;
    this.open = open;
    this.refused = metrics.limitRejected(listener, "", "connections");
    this.slowHeads = metrics.limitRejected(listener, "", "header_timeout");
    this.idle = metrics.limitRejected(listener, "", "idle_timeout");
  }

  /** The handler that counts and bounds this listener's connections as they are accepted. */
  AcceptLimit acceptLimit() {
    return new AcceptLimit(open, limits.maxConnections(), refused);
  }

  /** Whether {@link #acceptLimit()} is on the listening socket (else this guard counts, later). */
  void countedAtAccept(boolean counted) {
    countedAtAccept = counted;
  }

  /**
   * Arms a new connection's head and idle bookkeeping and tracks its HTTP/2 connections.
   * Counting and the {@code maxConnections} bound happen at accept ({@link AcceptLimit}); only if
   * that could not be installed are they done here, when Vert.x hands the connection over.
   */
  void accept(HttpConnection connection) {
    boolean h2 = connection.protocolVersion() == HttpVersion.HTTP_2;
    boolean counting = !countedAtAccept;
    long count = counting ? open.incrementAndGet() : 0;
    connection.closeHandler(v -> {
      if (counting) {
        open.decrementAndGet();
      }
      if (h2) {
        http2.remove(connection);
      }
    });
    if (count > limits.maxConnections()) {
      refused.increment();
      connection.close();
      return;
    }
    if (h2) {
      http2.add(connection);
    }
    if (connection instanceof ConnectionBase base && base.channel().pipeline().get("idle") != null) {
      base.channel().pipeline().addAfter("idle", null, new ChannelInboundHandlerAdapter() {
        @Override public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
          if (event instanceof IdleStateEvent) {
            idleClosed(connection);  // Vert.x closes the connection on this event
          }
          ctx.fireUserEventTriggered(event);
        }
      });
    }
    if (connection.protocolVersion() != HttpVersion.HTTP_2 && connection instanceof ConnectionBase base) {
      HeadTimer timer = new HeadTimer(limits.headerReadTimeout().toMillis(), requestId -> timedOut(connection, requestId));
      ChannelPipeline pipeline = base.channel().pipeline();
      ChannelHandlerContext tls = pipeline.context(SslHandler.class);
      if (tls != null) {
        pipeline.addAfter(tls.name(), null, timer);
      } else {
        pipeline.addFirst(timer);
      }
    }
  }

  /** A head did not arrive in time: counted, and an access log line with status 408. */
  private void timedOut(HttpConnection connection, String requestId) {
    slowHeads.increment();
    log(connection, requestId, Reason.HEADER_TIMEOUT.status(),
        Reason.HEADER_TIMEOUT.word() + ": no complete request head within " + limits.headerReadTimeout().toMillis() + "ms");
  }

  /** A connection sat idle past {@code idleTimeout} and is closed: counted, and an access log line without a status. */
  private void idleClosed(HttpConnection connection) {
    idle.increment();
    log(connection, RequestIds.from(null), 0, "idle_timeout: no traffic for " + limits.idleTimeout().toMillis() + "ms");
  }

  private void log(HttpConnection connection, String requestId, int status, String failure) {
    SocketAddress client = connection.remoteAddress();
    String protocol = connection.protocolVersion() == HttpVersion.HTTP_2 ? "HTTP/2" : "HTTP/1.1";
    accessLog.write(new AccessLog.Entry(System.currentTimeMillis(), requestId, client == null ? "" : client.hostAddress(),
        listener, "", "", "", protocol, "", "", "", status, 0, 0, 0, 0, failure));
  }

  /**
   * Draining: GOAWAY on every open HTTP/2 connection; the streams it has finish, new ones go to a
   * new connection (which the listener accepts during the drain's grace period).
   */
  void goAway() {
    for (HttpConnection connection : Set.copyOf(http2)) {
      connection.shutdown(drainTimeout);
    }
  }

  /** A request head arrived: stop its connection's head timer until the response is done. */
  void headReceived(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_2 && draining.getAsBoolean()) {
      request.connection().shutdown(drainTimeout); // GOAWAY after this stream: it is answered
    }
    if (request.connection() instanceof ConnectionBase base) {
      HeadTimer timer = base.channel().pipeline().get(HeadTimer.class);
      if (timer != null) {
        timer.headReceived(request.version() == HttpVersion.HTTP_2);
        if (request.version() != HttpVersion.HTTP_2) {
          request.response().endHandler(v -> timer.responseDone());
        }
      }
    }
  }
}
