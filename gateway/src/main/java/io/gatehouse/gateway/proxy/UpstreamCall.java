package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.upstream.Attempt;
import io.gatehouse.gateway.upstream.EndpointState;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.gatehouse.gateway.upstream.UpstreamRequest;
import io.gatehouse.gateway.upstream.UpstreamResponse;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.streams.ReadStream;

/**
 * One request forwarded to one upstream, on the request's event loop: tries an endpoint, retries
 * when its {@link RetryState} says so (the route's policy, whether the request can be sent again,
 * the backoff against the route timeout, the upstream's retry budget), enforces the route and per-try timeouts until the response head
 * arrives (then the body streams, with the route timeout as an idle timeout: {@link IdleResponse}), and streams bodies
 * both ways with back-pressure.
 *
 * <p>A connect failure is always safe to retry (nothing was sent). A reset, a per-try timeout or a
 * retriable status is retried only if the request can be sent again: it has no body, or a body
 * small enough that it was buffered, and an idempotent method (unless the route allows others).
 * Every retry must also fit the upstream's retry budget, and every try its circuit breaker
 * (503 {@code overflow} when full). Retries wait out a {@link RetryBackoff} first, and are not
 * made when the wait would end past the route timeout. The response says how many tries were made in
 * {@code x-gatehouse-attempts}.
 */
final class UpstreamCall extends RouteTimeouts.Waiting {
  static final String ATTEMPTS_HEADER = "x-gatehouse-attempts";

  private final Forwarder route;
  private final Exchange ex;
  private final UpstreamClient upstream;
  private final HttpServerRequest request;
  private final Promise<Void> done = Promise.promise();
  /** The waits between tries, made on the first failure (most calls make one try). */
  private RetryBackoff backoff;
  /** When the route's timeout runs out ({@link System#nanoTime}); only read when the route has one. */
  private long deadlineNanos;
  private final RetryState retries;
  private boolean bodyless;
  private Buffer body;
  private boolean finished;
  /** Whether the client's body is all in (or there is none): a route timeout before that is the client's (408). */
  private boolean bodyDone;
  /** The current try's per-try timeout, made on the first try when the policy has one and reused by the others. */
  private TryClock tryClock;
  private EndpointState lastEndpoint;
  private UpstreamRequest current;
  /** The response body's idle clock, once the head is in (with a route timeout). */
  private IdleResponse idle;

  UpstreamCall(Forwarder route, Exchange ex, UpstreamClient upstream) {
    this.route = route;
    this.ex = ex;
    this.upstream = upstream;
    this.request = ex.request();
    this.retries = new RetryState(route.retries, route.retryStatuses, request.method(), upstream::retryAllowed);
  }

  private RetryBackoff backoff() {
    if (backoff == null) {
      backoff = new RetryBackoff(route.vertx, upstream, route.retries.backoff());
    }
    return backoff;
  }

  /**
   * The time left before the route's timeout, or {@code Long.MAX_VALUE} without one. A route without
   * a timeout has no deadline to subtract from: {@code nanoTime} may be negative, so
   * {@code Long.MAX_VALUE} as a deadline could overflow and leave no time for a retry.
   */
  private long leftNanos() {
    return route.timeoutMillis > 0 ? deadlineNanos - System.nanoTime() : Long.MAX_VALUE;
  }

  Future<Void> start() {
    HttpServerResponse response = ex.response();
    ex.called();
    response.closeHandler(v -> abort("client closed the connection"));
    if (route.timeoutMillis > 0) {
      long now = System.nanoTime();
      deadlineNanos = now + route.timeoutMillis * 1_000_000;
      RouteTimeouts.start(this, route.timeoutMillis, now);
    }
    long length = RequestBodies.declaredLength(request);
    bodyless = !RequestBodies.hasBody(request);
    bodyDone = bodyless;
    if (bodyless) {
      retries.bodyReplayable();
    }
    if (ex.bufferedBody() != null) {
      // A filter read the whole body already (mirroring): send that, and it can be replayed.
      body = ex.bufferedBody();
      bodyless = false;
      bodyDone = true;
      retries.bodyReplayable();
      attempt();
    } else if (ex.grpcWeb() == null && length >= 0 && length <= Forwarder.RETRY_BUFFER_BYTES && (retries.wantsReplay() && !bodyless
        || request.version() == HttpVersion.HTTP_2 && !request.isEnded())) {
      // HTTP/2 with a declared length: the whole (small) body first, so a stream whose DATA
      // contradicts content-length (a stream error, RFC 9113 §8.1.1) never reaches the upstream.
      request.body().onComplete(ar -> {
        if (ar.failed()) {
          finish(new GatewayException(Reason.INVALID_FRAMING, "request body: " + ar.cause()));
          return;
        }
        body = ar.result();
        bodyless = body.length() == 0;
        bodyDone = true;
        retries.bodyReplayable();
        attempt();
      });
      request.resume(); // the ingress paused it; body() alone does not read a paused request
    } else {
      attempt();
    }
    return done.future();
  }

  /** Takes one retry of {@code failure} after {@code delayMillis} if {@link RetryState} allows it; {@link #later} then makes it. */
  private boolean retry(RetryState.Failure failure, long delayMillis) {
    return retries.retriable(failure, 0) && retries.take(delayMillis, leftNanos());
  }

  /** The next try, after its backoff. */
  private void later(long delayMillis) {
    if (!finished) {
      backoff().schedule(delayMillis, this::attempt);
    }
  }

  /**
   * Takes one retry, after {@code delayMillis}, for a try that never reached an upstream that was
   * alive: a connect failure, or a pooled connection the upstream had closed. The policy's count
   * and the route timeout apply, not the upstream's retry budget: the budget keeps retries from
   * piling onto an upstream failing under load, while these added no load to anything and go to
   * another endpoint. With the budget, killing one of two endpoints under load answered 502s at
   * the kill instant: every request caught on the dead endpoint wanted its retry at once, past
   * the budget (20 %, at least 3). Envoy makes the same exception with a minimum retry concurrency.
   */
  private boolean retryUnsent(long delayMillis) {
    return retries.takeUnsent(delayMillis, leftNanos());
  }

  /**
   * Whether a failed try died on a connection that the upstream closed before answering: on a
   * reused keep-alive connection, the race of every HTTP client with a server closing idle
   * connections (or dying). An idempotent request without a body may be sent again (RFC 9110,
   * 9.2.2), so the default policy (retry on connect failure) takes this as one too.
   */
  private boolean closedBeforeAnswer(Throwable cause) {
    return cause instanceof HttpClosedException && route.retries.onConnectFailure() && bodyless
        && RetryState.isIdempotent(request.method());
  }

  private void attempt() {
    if (finished) {
      return;
    }
    EndpointState endpoint = upstream.select(request, lastEndpoint, ex.pinnedEndpoint());
    if (endpoint == null) {
      finish(new GatewayException(Reason.NO_HEALTHY_UPSTREAM, "upstream " + upstream.name() + " has no endpoints"));
      return;
    }
    Attempt attempt = upstream.begin(endpoint, ex.attempts() > 0);
    if (attempt == null) {
      finish(new GatewayException(Reason.OVERFLOW, "upstream " + upstream.name() + ": circuit breaker limit reached"));
      return;
    }
    ex.attempted();
    ex.endpoint(endpoint.label());
    ex.trace().startAttempt(ex, endpoint.label(), ex.attempts() - 1);
    upstream.request(attempt, request.method(), ex.upstreamUri(), ex.upstreamHeaders()).onComplete((upstreamRequest, failure) -> {
      if (failure == null) {
        send(upstreamRequest, attempt);
        return;
      }
      attempt.failed();
      attempt.end();
      ex.trace().endAttempt("connect_failure");
      lastEndpoint = endpoint;
      long delay = backoff().next();
      if (!finished && retries.retriable(RetryState.Failure.CONNECT_FAILURE, 0) && retryUnsent(delay)) {
        later(delay);
      } else {
        finish(GatewayException.connectFailure(endpoint.label(), failure));
      }
    });
  }

  private void send(UpstreamRequest upstreamRequest, Attempt attempt) {
    EndpointState endpoint = attempt.endpoint();
    if (finished) {
      upstreamRequest.abandon();
      attempt.end();
      return;
    }
    current = upstreamRequest;
    HostAndPort authority = request.authority();
    String host = ex.upstreamHost();
    if (host != null) {
      upstreamRequest.authority(HostAndPort.create(host, -1));
    } else if (authority != null) {
      upstreamRequest.authority(authority);
    }
    long perTryMillis = retries.perTryTimeoutMillis();
    if (perTryMillis > 0) {
      if (tryClock == null) {
        tryClock = new TryClock();
      }
      tryClock.start(upstreamRequest, attempt, perTryMillis);
    }
    upstreamRequest.response().onComplete((response, failure) -> {
      if (finished || upstreamRequest != current) {
        // Detached by a per-try timeout, or the call is over: only release what this try holds.
        attempt.end();
        if (failure == null) {
          upstreamRequest.abandon();
        }
        return;
      }
      cancelTryTimer();
      if (failure == null) {
        attempt.responded(response.statusCode());
        ex.trace().attemptAnswered(response.statusCode());
        onResponse(response, attempt);
        return;
      }
      attempt.failed();
      attempt.end();
      ex.trace().endAttempt("reset");
      lastEndpoint = endpoint;
      long delay = backoff().next();
      if (retry(RetryState.Failure.RESET, delay)) {
        later(delay);
      } else if (closedBeforeAnswer(failure) && retryUnsent(delay)) {
        later(delay);
      } else {
        finish(new GatewayException(Reason.UPSTREAM_RESET, endpoint.label() + ": " + failure));
      }
    });
    writeBody(upstreamRequest);
  }

  /**
   * Sends the body, or none. No transfer coding is chosen up front: an HTTP/1.x upstream request
   * without a length goes chunked at its first body write, so a request whose body turns out to
   * be empty goes upstream without one (RFC 9112 §6.3). An HTTP/2 stream that ended with its HEADERS
   * still looks open here (Vert.x delivers that end after the request handler, and the ingress
   * paused the request), and forcing chunked sent every HTTP/2 GET to HTTP/1.1 upstreams as an
   * empty chunked body ({@code 0\r\n\r\n}).
   */
  private void writeBody(UpstreamRequest upstreamRequest) {
    if (bodyless) {
      endWithoutBody(upstreamRequest);
    } else if (body != null) {
      upstreamRequest.end(body);
    } else {
      if (ex.grpcWeb() != null) {
        upstreamRequest.setChunked(true);  // gRPC-web: the body sent is not the length the client declared
      }
      ReadStream<Buffer> source = ex.bodyReadTimeoutMillis() > 0
          ? new IdleBody(ex.body(), ex.bodyReadTimeoutMillis(), ex) : ex.body();
      source.pipe().endOnSuccess(false).endOnFailure(false).to(upstreamRequest).onSuccess(v -> {
        bodyDone = true;
        if (upstreamRequest.isChunked()) {
          upstreamRequest.end();
        } else {
          endWithoutBody(upstreamRequest); // no chunk: none was written, or the body had a declared length
        }
      }).onFailure(e -> {
        if (e instanceof GatewayException limit) {
          finish(limit);  // the body broke a route limit (413): that is the answer, not a reset
        } else if (ClientBodyFailure.isFraming(e)) {
          // A malformed chunk mid-body: the client's fault (400); finish aborts the upstream
          // request, so the upstream sees a cut-off body, never a complete one.
          finish(new GatewayException(Reason.INVALID_FRAMING, "request body: " + e));
        } else {
          upstreamRequest.abandon();
        }
      });
    }
  }

  /**
   * Ends a request head that goes with no body bytes written. On HTTP/1.x a method that gives
   * content a meaning (POST, PUT, PATCH...) says so with {@code Content-Length: 0} (RFC 9110 §8.6,
   * as Envoy does); GET, HEAD, DELETE, TRACE and CONNECT go with no framing header at all.
   */
  private void endWithoutBody(UpstreamRequest upstreamRequest) {
    if (upstreamRequest.version() != HttpVersion.HTTP_2 && !upstreamRequest.headers().contains(HttpHeaders.CONTENT_LENGTH)
        && RequestBodies.methodHasContentSemantics(request.method())) {
      upstreamRequest.headers().set(HttpHeaders.CONTENT_LENGTH, "0");
    }
    upstreamRequest.end();
  }

  private void perTryTimeout(UpstreamRequest upstreamRequest, Attempt attempt) {
    if (finished || upstreamRequest != current) {
      return;
    }
    attempt.failed();
    ex.trace().endAttempt("timeout");
    long delay = backoff().next();
    if (retry(RetryState.Failure.PER_TRY_TIMEOUT, delay)) {
      // Detach first: the reset fails this try's response future, which must not count as another retry.
      current = null;
      upstreamRequest.abandon();
      later(delay);
    } else {
      timeout(Reason.UPSTREAM_PER_TRY_TIMEOUT, "no response head within " + retries.perTryTimeoutMillis() + "ms");
    }
  }

  private void onResponse(UpstreamResponse response, Attempt attempt) {
    int status = response.statusCode();
    if (retries.retriable(RetryState.Failure.STATUS, status)) {
      long delay = backoff().after(status, response.headers());
      if (retries.take(delay, leftNanos())) {
        lastEndpoint = attempt.endpoint();
        // Read and drop the small error body so the connection goes back to the pool.
        response.body().onComplete(ignored -> {
          attempt.end();
          later(delay);
        });
        return;
      }
    }
    cancelRouteTimer();
    streamResponse(response, attempt);
  }

  private void streamResponse(UpstreamResponse response, Attempt attempt) {
    ReadStream<Buffer> body = response;
    if (route.timeoutMillis > 0) {
      idle = new IdleResponse(current, response, route.timeoutMillis);
      body = idle;
    }
    ResponseRelay.relay(ex, response, body).onComplete((relayed, failure) -> {
      attempt.end();
      finish(failure == null ? null
          : new GatewayException(Reason.UPSTREAM_RESET_AFTER_RESPONSE_STARTED, "response body: " + failure));
    });
  }

  /** The route timeout passed before the response head arrived. */
  @Override void timedOut() {
    timeout(bodyDone ? Reason.UPSTREAM_RESPONSE_TIMEOUT : Reason.BODY_TIMEOUT,
        (bodyDone ? "no response head" : "request body not complete") + " within " + route.timeoutMillis + "ms");
  }

  private void timeout(Reason reason, String detail) {
    finish(new GatewayException(reason, detail));
  }

  private void abort(String detail) {
    if (ex.response().ended()) {
      // HTTP/2 closes the stream (and calls the close handler) as soon as the response ends,
      // before the relay's completion runs: that is a finished exchange, not a client leaving.
      return;
    }
    finish(new GatewayException(Reason.CLIENT_CLOSED, detail));
  }

  /** Concludes the call once: success (null) or a failure the ingress turns into a reply or a reset. */
  private void finish(GatewayException failure) {
    if (finished) {
      return;
    }
    finished = true;
    cancelRouteTimer();
    cancelTryTimer();
    if (backoff != null) {
      backoff.cancel();
    }
    if (failure == null) {
      done.complete();
    } else {
      // After finished is set: the reset fails this try's response future, which must not retry.
      if (current != null) {
        current.abandon();
      }
      Reason reason = failure.reason();
      if ((reason == Reason.BODY_TIMEOUT || reason == Reason.INVALID_FRAMING) && request.version() != HttpVersion.HTTP_2) {
        // The rest of the body is unread or unreadable: the connection cannot carry another request (RFC 9110 §15.5.9).
        ex.closeAfterResponse();
      }
      done.fail(failure);
    }
  }

  private void cancelRouteTimer() {
    RouteTimeouts.stop(this);
    if (idle != null) {
      idle.stop();
    }
  }

  private void cancelTryTimer() {
    if (tryClock != null) {
      tryClock.stop();
    }
  }

  /**
   * The per-try timeout of the try in flight: a wait in the event loop's {@link RouteTimeouts}
   * list for the policy's per-try timeout (one value per route, so the list stays in deadline
   * order), where a Vert.x timer per try made a handler, a Netty task, a {@code Long} id and a map
   * node. One per call, moved from try to try.
   */
  private final class TryClock extends RouteTimeouts.Waiting {
    private UpstreamRequest tried;
    private Attempt attempt;

    void start(UpstreamRequest upstreamRequest, Attempt attempt, long timeoutMillis) {
      RouteTimeouts.stop(this); // a try ends its clock before the next starts; never two at once
      this.tried = upstreamRequest;
      this.attempt = attempt;
      RouteTimeouts.start(this, timeoutMillis, System.nanoTime());
    }

    void stop() {
      RouteTimeouts.stop(this);
      tried = null;
      attempt = null;
    }

    @Override void timedOut() {
      UpstreamRequest upstreamRequest = tried;
      Attempt timedOut = attempt;
      tried = null;
      attempt = null;
      if (upstreamRequest != null) {
        perTryTimeout(upstreamRequest, timedOut);
      }
    }
  }
}
