package io.gatehouse.gateway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import io.vertx.core.streams.ReadStream;

/**
 * An upstream response's body with the route timeout as its idle timeout (once the head is in,
 * the route timeout bounds each wait for the next chunk): when the upstream sends nothing for
 * that long, the upstream request is cancelled with a timeout, as Vert.x's
 * {@code HttpClientRequest.idleTimeout} does, and the relay fails with it. The clock is a wait in
 * the event loop's {@link RouteTimeouts} list for the route's timeout, moved to the list's tail by
 * each chunk: one object per response, where Vert.x's timer made four and re-armed per timeout.
 * Started, fed and stopped on the request's event loop.
 */
final class IdleResponse extends RouteTimeouts.Waiting implements ReadStream<Buffer>, Handler<Buffer> {
  private final HttpClientRequest request;
  private final HttpClientResponse response;
  private final long timeoutMillis;
  private Handler<Buffer> handler;

  /** Starts the clock: {@code timeoutMillis} (> 0) from now for the first chunk. */
  IdleResponse(HttpClientRequest request, HttpClientResponse response, long timeoutMillis) {
    this.request = request;
    this.response = response;
    this.timeoutMillis = timeoutMillis;
    RouteTimeouts.start(this, timeoutMillis, System.nanoTime());
  }

  /** The body is done (or the call is over): the clock stops. */
  void stop() {
    RouteTimeouts.stop(this);
  }

  @Override void timedOut() {
    request.reset(0x8, new NoStackTraceTimeoutException("The timeout period of " + timeoutMillis
        + "ms has been exceeded while executing " + request.getMethod() + " " + request.getURI()
        + " for server " + request.authority()));
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
