package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.observe.RouteSampler;
import io.gatehouse.gateway.observe.Traces;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One request's spans: the trace context the client sent (W3C or B3), a server span for the
 * request and a client span per upstream try, with OpenTelemetry's HTTP attributes plus the
 * route, upstream and endpoint. The server span starts (back-dated to the request's arrival) once
 * the route is known, so that a route's own sampling ratio applies. {@link #OFF} does nothing:
 * with tracing off no span, context or SDK object is made.
 */
public final class RequestTrace {
  public static final RequestTrace OFF = new RequestTrace(null, Context.root(), 0);

  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  private static final AttributeKey<String> ERROR = AttributeKey.stringKey("error.type");
  private static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("gatehouse.upstream");
  private static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("gatehouse.endpoint");

  private static final TextMapGetter<HttpServerRequest> REQUEST_HEADERS = new TextMapGetter<>() {
    @Override public Iterable<String> keys(HttpServerRequest request) {
      return request.headers().names();
    }

    @Override public String get(HttpServerRequest request, String key) {
      return request == null ? null : request.getHeader(key);
    }
  };
  private static final TextMapSetter<MultiMap> UPSTREAM_HEADERS = (headers, key, value) -> headers.set(key, value);

  private final Traces traces;
  private final Context parent;
  private final long startEpochNanos;
  private Span server;
  private Span attempt;
  private boolean attemptAnswered;

  private RequestTrace(Traces traces, Context parent, long startEpochNanos) {
    this.traces = traces;
    this.parent = parent;
    this.startEpochNanos = startEpochNanos;
  }

  /** The trace of a request that just arrived: reads the client's trace context from its headers. */
  static RequestTrace start(Traces traces, HttpServerRequest request) {
    if (traces == null) {
      return OFF;
    }
    Context parent = traces.propagator().extract(Context.root(), request, REQUEST_HEADERS);
    return new RequestTrace(traces, parent, io.opentelemetry.sdk.common.Clock.getDefault().now());
  }

  /** The server span, started on first use. */
  private Span server(Exchange ex) {
    if (server == null) {
      HttpServerRequest request = ex.request();
      server = traces.tracer().spanBuilder(request.method().name())
          .setParent(parent)
          .setSpanKind(SpanKind.SERVER)
          .setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS)
          .setAttribute(RouteSampler.ROUTE, ex.route())
          .startSpan();
      if (server.isRecording()) {
        server.setAttribute(METHOD, request.method().name());
        server.setAttribute("url.path", ex.path() == null ? request.path() : ex.path());
        server.setAttribute("url.scheme", request.isSSL() ? "https" : "http");
        String host = ex.host();
        if (host != null) {
          server.setAttribute("server.address", host);
        }
        SocketAddress client = request.remoteAddress();
        if (client != null) {
          server.setAttribute("client.address", client.hostAddress());
        }
        server.setAttribute("network.protocol.version", request.version() == HttpVersion.HTTP_2 ? "2"
            : request.version() == HttpVersion.HTTP_1_0 ? "1.0" : "1.1");
        String agent = request.getHeader("user-agent");
        if (agent != null) {
          server.setAttribute("user_agent.original", agent);
        }
        server.setAttribute("gatehouse.listener", ex.listener());
        server.setAttribute("gatehouse.request_id", ex.requestId());
      }
    }
    return server;
  }

  /**
   * Starts the client span of one upstream try (ending the previous one) and writes its context
   * into the headers that go upstream; {@code resends} is how many tries came before it.
   */
  void startAttempt(Exchange ex, String endpoint, int resends) {
    if (traces == null) {
      return;
    }
    endAttempt("retried");
    Span parentSpan = server(ex);
    attempt = traces.tracer().spanBuilder(ex.request().method().name())
        .setParent(Context.root().with(parentSpan))
        .setSpanKind(SpanKind.CLIENT)
        .startSpan();
    attemptAnswered = false;
    if (attempt.isRecording()) {
      attempt.setAttribute(METHOD, ex.request().method().name());
      int colon = endpoint.lastIndexOf(':');
      attempt.setAttribute("server.address", colon > 0 ? endpoint.substring(0, colon).replace("[", "").replace("]", "") : endpoint);
      if (colon > 0) {
        attempt.setAttribute(AttributeKey.longKey("server.port"), Long.parseLong(endpoint.substring(colon + 1)));
      }
      attempt.setAttribute("url.full", "http://" + endpoint + ex.upstreamUri());
      if (resends > 0) {
        attempt.setAttribute(AttributeKey.longKey("http.request.resend_count"), resends);
      }
      attempt.setAttribute(RouteSampler.ROUTE, ex.route());
      attempt.setAttribute(UPSTREAM, ex.upstream());
      attempt.setAttribute(ENDPOINT, endpoint);
    }
    traces.propagator().inject(Context.root().with(attempt), ex.upstreamHeaders(), UPSTREAM_HEADERS);
  }

  /** The current try's response status arrived. */
  void attemptAnswered(int status) {
    if (attempt == null) {
      return;
    }
    attemptAnswered = true;
    attempt.setAttribute(STATUS, status);
    if (status >= 400) {
      attempt.setAttribute(ERROR, Integer.toString(status));
      attempt.setStatus(StatusCode.ERROR);
    }
  }

  /** Ends the current try's span; {@code error} names what broke it when no response came. */
  void endAttempt(String error) {
    if (attempt == null) {
      return;
    }
    if (!attemptAnswered) {
      attempt.setAttribute(ERROR, error);
      attempt.setStatus(StatusCode.ERROR);
    }
    attempt.end();
    attempt = null;
  }

  /** Ends the request's spans once its response is done (or failed). */
  void end(Exchange ex, int status, String flags) {
    if (traces == null) {
      return;
    }
    Reason reason = ex.failureReason();
    endAttempt(reason == null ? "_OTHER" : reason.word());
    Span span = server(ex);
    if (span.isRecording()) {
      span.setAttribute(STATUS, status);
      if (!ex.upstream().isEmpty()) {
        span.setAttribute(UPSTREAM, ex.upstream());
      }
      if (!ex.endpoint().isEmpty()) {
        span.setAttribute(ENDPOINT, ex.endpoint());
      }
      if (!ResponseFlags.NONE.equals(flags)) {
        span.setAttribute("gatehouse.response_flags", flags);
      }
      if (status >= 500) {
        span.setAttribute(ERROR, reason != null ? reason.word() : Integer.toString(status));
        span.setStatus(StatusCode.ERROR);
      }
    }
    span.end();
  }

  /** The trace id for the access log, or empty when not traced. */
  public String traceId() {
    SpanContext context = server == null ? null : server.getSpanContext();
    return context != null && context.isValid() ? context.getTraceId() : "";
  }

  public String spanId() {
    SpanContext context = server == null ? null : server.getSpanContext();
    return context != null && context.isValid() ? context.getSpanId() : "";
  }
}
