package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.observe.PolicyMetrics;
import io.gatehouse.routes.ListenerLimits;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A listener's per-connection limits that Vert.x has no option for: at most
 * {@code maxConnections} open at once (shared by the listener's event loops; one more is closed
 * at once), and the request-head read timeout ({@link HeadTimer}) on HTTP/1.x connections.
 *
 * <p>Both start when Vert.x hands the connection over: on HTTPS once TLS is up, but on clear-text
 * listeners (which also take h2c) only once the first request head is parsed, so there the first
 * head is bounded by {@code maxHeaderSize} and the idle timeout, and later heads by the head timeout.
 */
final class ConnectionGuard {
  private final ListenerLimits limits;
  private final AtomicLong open;
  private final Counter refused;
  private final Counter slowHeads;

  ConnectionGuard(String listener, ListenerLimits limits, AtomicLong open, PolicyMetrics metrics) {
    this.limits = limits;
    this.open = open;
    this.refused = metrics.limitRejected(listener, "", "connections");
    this.slowHeads = metrics.limitRejected(listener, "", "header_timeout");
  }

  /** Counts a new connection, closing it when the listener is full; arms its head timer. */
  void accept(HttpConnection connection) {
    long count = open.incrementAndGet();
    connection.closeHandler(v -> open.decrementAndGet());
    if (count > limits.maxConnections()) {
      refused.increment();
      connection.close();
      return;
    }
    if (connection.protocolVersion() != HttpVersion.HTTP_2 && connection instanceof ConnectionBase base) {
      base.channel().pipeline().addFirst(new HeadTimer(limits.headerReadTimeout().toMillis(), slowHeads::increment));
    }
  }

  /** A request head arrived: stop its connection's head timer until the response is done. */
  void headReceived(HttpServerRequest request) {
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
