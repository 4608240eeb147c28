package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.observe.RouteSampler;
import io.gatehouse.gateway.observe.Traces;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.common.Clock;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;

/**
 * One request's spans: the trace context the client sent (W3C or B3), a server span for the
 * request and a client span per upstream try, with OpenTelemetry's HTTP attributes plus the
 * route, upstream and endpoint. Sampling is decided once, when the route is known (so that a
 * route's own ratio applies), by {@link Traces#sampled}. A sampled request's server span then
 * starts, back-dated to the request's arrival. An unsampled one makes no span and no attribute:
 * it draws a trace id (unless its parent has one) and a span id, which name it in the access log
 * and go upstream with the sampled flag off, every try carrying the same context. {@link #OFF}
 * does nothing: with tracing off no span, context or SDK object is made.
 */
public final class RequestTrace {
  public static final RequestTrace OFF = new RequestTrace(null, Context.root());

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
  /** The server span's context once sampling is decided, else null. */
  private SpanContext context;
  /** The server span of a sampled request; null while undecided and when not sampled. */
  private Span server;
  /** What an unsampled request sends upstream: its context, made on the first try. */
  private Context propagated;
  private Span attempt;
  private boolean attemptAnswered;

  private RequestTrace(Traces traces, Context parent) {
    this.traces = traces;
    this.parent = parent;
  }

  /** The trace of a request that just arrived: reads the client's trace context from its headers. */
  static RequestTrace start(Traces traces, HttpServerRequest request) {
    if (traces == null) {
      return OFF;
    }
    return new RequestTrace(traces, traces.propagator().extract(Context.root(), request, REQUEST_HEADERS));
  }

  /** Decides sampling (once), then starts the server span if sampled. */
  private void decide(Exchange ex) {
    if (context != null) {
      return;
    }
    HttpServerRequest request = ex.request();
    String name = request.method().name();
    SpanContext parentContext = parent == Context.root() ? SpanContext.getInvalid()
        : Span.fromContext(parent).getSpanContext();
    String traceId = parentContext.isValid() ? parentContext.getTraceId() : traces.newTraceId();
    if (!traces.sampled(parent, traceId, name, ex.route())) {
      context = SpanContext.create(traceId, traces.newSpanId(), TraceFlags.getDefault(), parentContext.getTraceState());
      return;
    }
    Clock clock = Clock.getDefault();
    long arrived = clock.now() - (clock.nanoTime() - ex.startNanos());
    server = traces.startServer(parent, traceId, name, ex.route(), arrived);
    context = server.getSpanContext();
    if (server.isRecording()) {
      server.setAttribute(METHOD, name);
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

  /**
   * Starts the client span of one upstream try (ending the previous one) and writes its context
   * into the headers that go upstream; {@code resends} is how many tries came before it.
   */
  void startAttempt(Exchange ex, String endpoint, int resends) {
    if (traces == null) {
      return;
    }
    endAttempt("retried");
    decide(ex);
    if (server == null) {
      if (propagated == null) {
        propagated = Context.root().with(Span.wrap(context));
      }
      traces.propagator().inject(propagated, ex.upstreamHeaders(), UPSTREAM_HEADERS);
      return;
    }
    attempt = traces.tracer().spanBuilder(ex.request().method().name())
        .setParent(Context.root().with(server))
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
    decide(ex);
    Span span = server;
    if (span == null) {
      return;
    }
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
    return context != null && context.isValid() ? context.getTraceId() : "";
  }

  /** The server span's id for the access log, or empty when not traced. */
  public String spanId() {
    return context != null && context.isValid() ? context.getSpanId() : "";
  }
}
