package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.GatewayMetrics;
import io.gatehouse.gateway.observe.IstioMetrics;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.gateway.observe.PolicyMetrics;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AttributeKey;
import io.vertx.core.Future;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.time.Clock;
import java.util.function.BooleanSupplier;

/**
 * Where every request on an HTTP or EGRESS listener starts: read the snapshot once, take or make
 * the request id, start the exchange, run the listener's stage (an HTTP listener's matches a
 * route and runs its stage; an EGRESS listener's checks the allow-list), turn a failure into the
 * gateway's error reply, then write the access log and metrics. Runs on the connection's event
 * loop and never blocks or throws.
 */
public final class Ingress implements Handler<HttpServerRequest> {
  private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf("gatehouse.refused");
  private final Dataplane dataplane;
  private final String listener;
  private final GatewayMetrics metrics;
  private final AccessLog accessLog;
  private final Clock clock;
  private final Stage httpsRedirect;
  private final BooleanSupplier draining;
  private final boolean clientCerts;
  private final long bodyReadTimeoutMillis;
  private final Runnable bodyTimedOut;
  private final Stage listenerStage;
  private final boolean proxy;
  private final Edge edge;

  /**
   * The entry of an HTTP or HTTPS listener: every request passes the listener's {@code edge} and is
   * matched against the snapshot's routes.
   */
  public Ingress(Dataplane dataplane, Listener listener, Edge edge, GatewayMetrics metrics, AccessLog accessLog, Clock clock) {
    this(dataplane, listener, edge, metrics, accessLog, clock, null);
  }

  /** The entry of a listener whose every request runs {@code stage} (an EGRESS listener's: paths as sent). */
  public Ingress(Dataplane dataplane, Listener listener, GatewayMetrics metrics, AccessLog accessLog, Clock clock, Stage stage) {
    this(dataplane, listener, Edge.EGRESS, metrics, accessLog, clock, stage);
  }

  private Ingress(Dataplane dataplane, Listener listener, Edge edge, GatewayMetrics metrics, AccessLog accessLog, Clock clock,
                  Stage stage) {
    this.listenerStage = stage != null ? stage : this::run;
    this.proxy = stage != null;
    this.dataplane = dataplane;
    this.edge = edge;
    this.listener = listener.name();
    this.httpsRedirect = listener.httpsRedirect().enabled() ? httpsRedirect(listener.httpsRedirect()) : null;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.clock = clock;
    this.draining = dataplane::draining;
    this.clientCerts = listener.tls().clientAuth() != ListenerTls.ClientAuth.NONE;
    this.bodyReadTimeoutMillis = listener.limits().bodyReadTimeout().toMillis();
    this.bodyTimedOut = new PolicyMetrics(metrics.registry()).limitRejected(this.listener, "", "body_timeout")::increment;
  }

  @Override public void handle(HttpServerRequest request) {
    handle(request, null);
  }

  /**
   * Serves {@code request}; {@code responseEnded} (the connection's head timer, or null) hears
   * when its response has ended.
   */
  void handle(HttpServerRequest request, Handler<Void> responseEnded) {
    if (refusedEarlier(request)) {
      return;
    }
    request.pause();
    GatewayException invalid = HeadValidator.check(request, proxy);
    Snapshot snapshot = dataplane.current();
    String requestId = RequestIds.from(request.getHeader(RequestIds.HEADER));
    Exchange ex = new Exchange(request, snapshot, listener, requestId, clock.millis(), draining, clientCerts, edge);
    ex.onResponseEnd(responseEnded);
    ex.bodyReadTimeout(bodyReadTimeoutMillis, bodyTimedOut);
    if (snapshot.traces() != null) {
      ex.trace(RequestTrace.start(snapshot.traces(), request));
    }
    Future<Void> done;
    try {
      done = invalid != null ? refuse(ex, invalid) : listenerStage.handle(ex);
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    done.onComplete((ignored, failure) -> {
      if (failure != null) {
        ex.fail(failure);
      }
      if (!ex.tunnelled() && !request.isEnded()) {
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
    invalid(request, limits, null);
  }

  /** As {@link #invalid(HttpServerRequest, PolicyMetrics)}; {@code responseEnded} hears when the answer is out. */
  void invalid(HttpServerRequest request, PolicyMetrics limits, Handler<Void> responseEnded) {
    Throwable cause = request.decoderResult().cause();
    Reason reason = cause instanceof TooLongHttpLineException ? Reason.URI_TOO_LONG
        : cause instanceof TooLongHttpHeaderException ? Reason.HEADERS_TOO_LARGE : Reason.BAD_REQUEST;
    if (reason != Reason.BAD_REQUEST) {
      limits.limitRejected(listener, "", reason == Reason.URI_TOO_LONG ? "uri_length" : "header_size").increment();
    }
    Exchange ex = new Exchange(request, dataplane.current(), listener, RequestIds.from(null), clock.millis(), draining, clientCerts, edge);
    ex.onResponseEnd(responseEnded);
    ex.beforeResponse(headers -> headers.set(HttpHeaders.CONNECTION, "close"));
    ex.fail(new GatewayException(reason, String.valueOf(cause)));
    record(ex);
  }

  /** A head {@link HeadValidator} refused: the error, and an HTTP/1.x connection is closed after it (RFC 9112 §6.3). */
  private static Future<Void> refuse(Exchange ex, GatewayException invalid) {
    HttpServerRequest request = ex.request();
    if (request.version() != HttpVersion.HTTP_2 && request.connection() instanceof ConnectionBase connection) {
      // Vert.x keeps the connection for a Connection: close it did not decide on, and may already
      // hold the next pipelined request (a smuggled one, after a TE.TE head): mark the connection
      // so that no later request on it is served, and close it once the answer is out.
      connection.channel().attr(REFUSED).set(Boolean.TRUE);
      ex.closeAfterResponse();
    }
    return Future.failedFuture(invalid);
  }

  /** Whether an earlier request on this HTTP/1.x connection was refused: then this one is dropped with the connection. */
  private static boolean refusedEarlier(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_2 && request.connection() instanceof ConnectionBase connection
        && connection.channel().hasAttr(REFUSED)) {
      request.connection().close();
      return true;
    }
    return false;
  }

  /**
   * A request whose HTTP version Vert.x does not serve (its version is null): 505 (RFC 9110
   * §15.6.6), or 400 when the protocol name is not even {@code HTTP} (RFC 9112 §2.3); then close.
   */
  public void unsupportedVersion(HttpServerRequest request, String protocolName) {
    Exchange ex = new Exchange(request, dataplane.current(), listener, RequestIds.from(null), clock.millis(), draining, clientCerts, edge);
    ex.beforeResponse(headers -> headers.set(HttpHeaders.CONNECTION, "close"));
    ex.fail("HTTP".equals(protocolName) ? new GatewayException(Reason.VERSION_NOT_SUPPORTED)
        : new GatewayException(Reason.BAD_REQUEST, "protocol " + protocolName));
    record(ex);
  }

  private Future<Void> run(Exchange ex) {
    Future<Void> refused = edge.admit(ex);
    if (refused != null) {
      return refused;
    }
    try {
      Stage stage = httpsRedirect != null ? httpsRedirect : ex.snapshot().routes(listener).match(ex);
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
    String flags = ResponseFlags.of(ex);
    ex.trace().end(ex, ex.status(), flags); // first: the access log line names the trace
    AccessLog.Entry entry = AccessLog.Entry.of(ex);
    long nanos = entry.durationMicros() * 1_000;
    metrics.request(ex.route(), ex.upstream(), entry.status(), nanos);
    IstioMetrics istio = metrics.istio();
    if (istio != null) {
      istio.request(ex.upstream(), ex.endpoint(), entry.status() == Reason.CLIENT_CLOSED.status() ? 0 : entry.status(), flags,
          ResponseFlags.grpcStatus(ex), nanos, entry.bytesIn(), entry.bytesOut());
    }
    accessLog.write(entry);
  }
}
