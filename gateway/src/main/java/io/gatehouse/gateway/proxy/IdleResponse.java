package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.upstream.UpstreamRequest;
import io.gatehouse.gateway.upstream.UpstreamResponse;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import io.vertx.core.streams.ReadStream;

/**
 * An upstream request's idle timeout: when the upstream sends nothing for {@code timeoutMillis},
 * the request is cancelled with a timeout exception, as Vert.x's
 * {@code HttpClientRequest.idleTimeout} does, and the response (or the relay of its body) fails
 * with it. Unlike Vert.x 5's, which stops at the response head, it bounds each wait for the body
 * too, read through this stream ({@link #body}). The ingress starts it once the head is in (the
 * route timeout then bounds each wait for the next chunk); an EGRESS listener's plain HTTP
 * forwarding when the request is sent (the tunnel idle timeout bounds the wait for the head and
 * each chunk). The clock is a wait in the event loop's {@link RouteTimeouts} list for the
 * timeout, moved to the list's tail by each chunk: one object per response, where Vert.x's timer
 * made four and re-armed per timeout. Started, fed and stopped on the request's event loop.
 */
public final class IdleResponse extends RouteTimeouts.Waiting implements ReadStream<Buffer>, Handler<Buffer> {
  private final UpstreamRequest request;
  private final long timeoutMillis;
  private UpstreamResponse response;
  private Handler<Buffer> handler;

  /** Starts the clock: {@code timeoutMillis} (> 0) from now for the response (its head, or with {@link #body} its body). */
  public IdleResponse(UpstreamRequest request, long timeoutMillis) {
    this.request = request;
    this.timeoutMillis = timeoutMillis;
    RouteTimeouts.start(this, timeoutMillis, System.nanoTime());
  }

  /** Starts the clock for a response whose head is in: {@code timeoutMillis} (> 0) from now for the first chunk. */
  IdleResponse(UpstreamRequest request, UpstreamResponse response, long timeoutMillis) {
    this(request, timeoutMillis);
    this.response = response;
  }

  /** The head is in: the clock starts again for the first chunk of {@code response}'s body, read through this stream. */
  public IdleResponse body(UpstreamResponse response) {
    this.response = response;
    RouteTimeouts.restart(this, System.nanoTime());
    return this;
  }

  /** The body is done (or the call is over): the clock stops. */
  public void stop() {
    RouteTimeouts.stop(this);
  }

  @Override void timedOut() {
    request.reset(new NoStackTraceTimeoutException("The timeout period of " + timeoutMillis
        + "ms has been exceeded while executing " + request.describe()));
  }

  /** A chunk arrived: the wait for the next one starts now. */
  @Override public void handle(Buffer chunk) {
    RouteTimeouts.restart(this, System.nanoTime());
    Handler<Buffer> next = handler;
    if (next != null) {
      next.handle(chunk);
    }
  }

  @Override public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    this.handler = handler;
    response.handler(handler == null ? null : this);
    return this;
  }

  @Override public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    response.exceptionHandler(handler);
    return this;
  }

  @Override public ReadStream<Buffer> pause() {
    response.pause();
    return this;
  }

  @Override public ReadStream<Buffer> resume() {
    response.resume();
    return this;
  }

  @Override public ReadStream<Buffer> fetch(long amount) {
    response.fetch(amount);
    return this;
  }

  @Override public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    response.endHandler(endHandler);
    return this;
  }
}
