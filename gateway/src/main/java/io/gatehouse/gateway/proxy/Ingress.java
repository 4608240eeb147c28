package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.GatewayMetrics;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.gateway.observe.PolicyMetrics;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import java.time.Clock;
import java.util.function.BooleanSupplier;

/**
 * Where every request on an HTTP listener starts: read the snapshot once, match a route, run its
 * stage, turn a failure into the gateway's error reply, then write the access log and metrics.
 * Runs on the connection's event loop and never blocks or throws.
 */
public final class Ingress implements Handler<HttpServerRequest> {
  private final Dataplane dataplane;
  private final String listener;
  private final GatewayMetrics metrics;
  private final AccessLog accessLog;
  private final Clock clock;
  private final Stage httpsRedirect;
  private final BooleanSupplier draining;
  private final boolean clientCerts;
  private final Edge edge;

  public Ingress(Dataplane dataplane, Listener listener, Edge edge, GatewayMetrics metrics, AccessLog accessLog, Clock clock) {
    this.dataplane = dataplane;
    this.edge = edge;
    this.listener = listener.name();
    this.httpsRedirect = listener.httpsRedirect().enabled() ? httpsRedirect(listener.httpsRedirect()) : null;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.clock = clock;
    this.draining = dataplane::draining;
    this.clientCerts = listener.tls().clientAuth() != ListenerTls.ClientAuth.NONE;
  }

  @Override public void handle(HttpServerRequest request) {
    request.pause();
    Snapshot snapshot = dataplane.current();
    String requestId = RequestIds.from(request.getHeader("x-request-id"));
    Exchange ex = new Exchange(request, snapshot, listener, requestId, clock.millis(), draining, clientCerts, edge);
    run(ex).onComplete(ar -> {
      if (ar.failed()) {
        ex.fail(ar.cause());
      }
      if (!request.isEnded()) {
        // A body no stage read (404, redirect, error): let it drain so keep-alive carries on.
        request.resume();
      }
      record(ex);
    });
  }

  /**
   * A request the HTTP codec could not parse: 414 for a request line over the listener's
   * {@code maxUriLength}, 431 for headers over {@code maxHeaderSize}, 400 otherwise; the gateway's
   * JSON error, then Vert.x closes the connection.
   */
  public void invalid(HttpServerRequest request, PolicyMetrics limits) {
    Throwable cause = request.decoderResult().cause();
    Reason reason = cause instanceof TooLongHttpLineException ? Reason.URI_TOO_LONG
        : cause instanceof TooLongHttpHeaderException ? Reason.HEADERS_TOO_LARGE : Reason.BAD_REQUEST;
    if (reason != Reason.BAD_REQUEST) {
      limits.limitRejected(listener, "", reason == Reason.URI_TOO_LONG ? "uri_length" : "header_size").increment();
    }
    Exchange ex = new Exchange(request, dataplane.current(), listener, RequestIds.from(null), clock.millis(), draining, clientCerts, edge);
    ex.beforeResponse(headers -> headers.set(HttpHeaders.CONNECTION, "close"));
    ex.fail(new GatewayException(reason, String.valueOf(cause)));
    record(ex);
  }

  private Future<Void> run(Exchange ex) {
    if (ex.host() == null && ex.request().version() == HttpVersion.HTTP_1_1) {
      return Future.failedFuture(new GatewayException(Reason.MISSING_HOST));
    }
    Future<Void> refused = edge.admit(ex);
    if (refused != null) {
      return refused;
    }
    try {
      Stage stage = httpsRedirect != null ? httpsRedirect : ex.snapshot().routes().match(ex);
      return stage.handle(ex);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** The listener's own redirect, ahead of any route: logged as route "https-redirect". */
  private static Stage httpsRedirect(Listener.HttpsRedirect config) {
    Redirector redirector = new Redirector(new Action.Redirect("https", "", config.port(), "", config.status()));
    return ex -> {
      ex.route("https-redirect");
      return redirector.handle(ex);
    };
  }

  private void record(Exchange ex) {
    HttpServerRequest request = ex.request();
    HttpServerResponse response = request.response();
    long nanos = System.nanoTime() - ex.startNanos();
    int status = ex.status();
    metrics.request(ex.route(), ex.upstream(), status, nanos);
    SocketAddress client = request.remoteAddress();
    String host = ex.host();
    accessLog.write(new AccessLog.Entry(ex.startMillis(), ex.requestId(),
        client == null ? "" : client.hostAddress(), listener, host == null ? "" : host,
        request.method().name(), request.path(), protocol(request.version()), ex.route(), ex.upstream(),
        ex.endpoint(), status, request.bytesRead(), response.bytesWritten(), nanos / 1_000,
        ex.attempts(), ex.failure()));
  }

  private static String protocol(HttpVersion version) {
    return version == HttpVersion.HTTP_2 ? "HTTP/2" : version == HttpVersion.HTTP_1_0 ? "HTTP/1.0" : "HTTP/1.1";
  }
}
