package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.PolicyMetrics;
import io.gatehouse.gateway.upstream.FlushConsolidation;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.gatehouse.routes.ListenerLimits;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.InetSocketAddress;
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
 * <p>Vert.x hands a connection over on HTTPS once TLS is up, but on clear-text listeners (which
 * also take h2c) only once the first request head is parsed. Neither the connection count and
 * {@code maxConnections} nor the head timeout wait for that: {@link AcceptLimit} keeps them on the
 * listening socket, for every accepted connection, and there a clear-text connection's
 * {@link HeadTimer} starts (the TLS handshake has Vert.x's own timeout; HTTPS heads are timed from
 * its end).
 *
 * <p>It also tells HTTP/2 clients about a drain: GOAWAY to every open HTTP/2 connection when the
 * drain starts ({@link #goAway}), and to one opened during the drain once its first request
 * arrives (that stream is answered, later ones go elsewhere): HTTP/2's {@code Connection: close}.
 * One instance per listener instance, so per event loop: its set needs no lock.
 */
final class ConnectionGuard {
  /** The name of the handler Vert.x puts on TLS connections to send files in chunks. */
  private static final String CHUNKED_WRITER = "chunkedWriter";

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

  /**
   * The handler that counts and bounds this listener's connections as they are accepted and, on a
   * clear-text listener, starts each one's head timer then. Its timers report here from other
   * event loops: the counters and the access log take that.
   */
  AcceptLimit acceptLimit(boolean clearText) {
    return new AcceptLimit(open, limits.maxConnections(), refused, clearText ? this::headTimer : null);
  }

  /** A head timer for a connection not handed over yet: the access log's client comes from the channel. */
  private HeadTimer headTimer(Channel channel) {
    return new HeadTimer(limits.headerReadTimeout().toMillis(), (requestId, status) -> {
      SocketAddress proxied = channel.attr(ConnectionBase.REMOTE_ADDRESS_OVERRIDE).get();
      String client = proxied != null ? proxied.hostAddress()
          : channel.remoteAddress() instanceof InetSocketAddress peer ? peer.getAddress().getHostAddress() : "";
      timedOut(client, status == 0 ? "HTTP/2" : "HTTP/1.1", requestId, status);
    });
  }

  /** Whether {@link #acceptLimit(boolean)} is on the listening socket (else this guard counts, later). */
  void countedAtAccept(boolean counted) {
    countedAtAccept = counted;
  }

  /**
   * Arms a new connection's head and idle bookkeeping and tracks its HTTP/2 connections.
   * Counting and the {@code maxConnections} bound happen at accept ({@link AcceptLimit}); only if
   * that could not be installed are they done here, when Vert.x hands the connection over.
   * Returns an HTTP/1.x connection's head timer, for {@link #headReceived} to be given with each
   * of its requests (kept per connection: no pipeline look-up per request); null for HTTP/2
   * (whose timer, if any, is off from here on) and for a connection closed at once.
   */
  HeadTimer accept(HttpConnection connection) {
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
      return null;
    }
    if (h2) {
      http2.add(connection);
    }
    if (!(connection instanceof ConnectionBase base)) {
      return null;
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    ConnectionIdle.replace(pipeline, () -> idleClosed(connection)); // Vert.x closes the connection after it
    if (!h2 && pipeline.get(CHUNKED_WRITER) instanceof ChunkedWriteHandler) {
      // Vert.x's, on TLS, for files sent in chunks; the gateway sends none, and it would queue every write.
      pipeline.remove(CHUNKED_WRITER);
    }
    // A response is written from its upstream's read: HTTP/2's frames, or an HTTP/1.1 body and its
    // last chunk, leave in one flush (one TLS record, one send), not one each.
    FlushConsolidation.install(pipeline);
    HeadTimer started = pipeline.get(HeadTimer.class);
    if (started != null) {
      if (h2) {
        started.headReceived(true); // h2c (prior knowledge or upgrade) is up: HTTP/2's own limits from here
        return null;
      }
      return started;
    }
    if (h2) {
      return null;
    }
    HeadTimer timer = new HeadTimer(limits.headerReadTimeout().toMillis(), (requestId, status) -> {
      SocketAddress client = connection.remoteAddress();
      timedOut(client == null ? "" : client.hostAddress(), "HTTP/1.1", requestId, status);
    });
    ChannelHandlerContext tls = pipeline.context(SslHandler.class);
    if (tls != null) {
      pipeline.addAfter(tls.name(), null, timer);
    } else {
      pipeline.addFirst(timer);
    }
    return timer;
  }

  /**
   * A head did not arrive in time: counted, and an access log line with status 408 (0 when an
   * HTTP/2 connection was closed without an answer).
   */
  private void timedOut(String client, String protocol, String requestId, int status) {
    slowHeads.increment();
    log(client, protocol, requestId, status,
        Reason.HEADER_TIMEOUT.word() + ": no complete request head within " + limits.headerReadTimeout().toMillis() + "ms");
  }

  /** A connection sat idle past {@code idleTimeout} and is closed: counted, and an access log line without a status. */
  private void idleClosed(HttpConnection connection) {
    idle.increment();
    SocketAddress client = connection.remoteAddress();
    log(client == null ? "" : client.hostAddress(), connection.protocolVersion() == HttpVersion.HTTP_2 ? "HTTP/2" : "HTTP/1.1",
        RequestIds.from(null), 0, "idle_timeout: no traffic for " + limits.idleTimeout().toMillis() + "ms");
  }

  private void log(String client, String protocol, String requestId, int status, String failure) {
    accessLog.write(new AccessLog.Entry(System.currentTimeMillis(), requestId, client,
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

  /**
   * A request head arrived on a connection whose head timer ({@link #accept}'s) is {@code timer}:
   * the timer stops until the response is done. Returns what must hear that the response ended
   * (the timer, which then times the next head; the exchange sets it as the response's end
   * handler), or null: HTTP/2, or no timer.
   */
  Handler<Void> headReceived(HttpServerRequest request, HeadTimer timer) {
    if (timer == null) {
      if (request.version() == HttpVersion.HTTP_2 && draining.getAsBoolean()) {
        request.connection().shutdown(drainTimeout); // GOAWAY after this stream: it is answered
      }
      return null;
    }
    timer.headReceived(false);
    return timer;
  }
}
