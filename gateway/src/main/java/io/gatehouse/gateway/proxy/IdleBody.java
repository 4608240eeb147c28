package io.gatehouse.gateway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * The request body as a stream that fails with 408 {@code request_body_timeout} when the client
 * sends nothing for {@code timeoutMillis} (the listener's {@code bodyReadTimeout}). Time spent
 * paused by back-pressure (the upstream reading slowly) is not the client's and is not counted.
 * The clock is a wait in the event loop's {@link RouteTimeouts} list for this timeout (one value
 * per listener), started when the body is first resumed, moved to the list's tail by each chunk,
 * stopped while paused and started afresh when the stream flows again: a body allocates no timer
 * (a Vert.x timer made a handler, a Netty task, a {@code Long} id and a map node, and again at
 * every re-arm). Used on the request's event loop.
 */
final class IdleBody extends RouteTimeouts.Waiting implements ReadStream<Buffer> {
  private final ReadStream<Buffer> body;
  private final long timeoutMillis;
  /** Whose body it is: {@link Exchange#bodyTimedOut()} counts a stall. */
  private final Exchange ex;
  private Handler<Throwable> exceptionHandler;
  /** Whether the clock was started (at the first resume); before that no chunk is awaited. */
  private boolean armed;
  private boolean paused;
  private boolean done;

  IdleBody(ReadStream<Buffer> body, long timeoutMillis, Exchange ex) {
    this.body = body;
    this.timeoutMillis = timeoutMillis;
    this.ex = ex;
  }

  @Override void timedOut() {
    if (done || paused) {
      return;
    }
    done = true;
    ex.bodyTimedOut();
    Handler<Throwable> onError = exceptionHandler;
    if (onError != null) {
      onError.handle(new GatewayException(Reason.BODY_TIMEOUT, "no request body byte for " + timeoutMillis + "ms"));
    }
  }

  private void startClock() {
    RouteTimeouts.start(this, timeoutMillis, System.nanoTime());
  }

  /** The body ended or failed: the clock stops for good. */
  private void stop() {
    done = true;
    RouteTimeouts.stop(this);
  }

  @Override public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    body.exceptionHandler(handler == null ? null : e -> {
      stop();
      handler.handle(e);
    });
    return this;
  }

  @Override public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    body.handler(handler == null ? null : chunk -> {
      if (!done) {
        RouteTimeouts.restart(this, System.nanoTime());
        handler.handle(chunk);
      }
    });
    return this;
  }

  @Override public ReadStream<Buffer> pause() {
    if (!paused) {
      paused = true;
      RouteTimeouts.stop(this);
    }
    body.pause();
    return this;
  }

  @Override public ReadStream<Buffer> resume() {
    unpause();
    body.resume();
    if (!done && !armed) {
      // Started only now: a body that was already complete (an HTTP/2 GET's END_STREAM, queued while
      // the request was paused) has ended inside resume(), and needs no clock at all.
      armed = true;
      startClock();
    }
    return this;
  }

  @Override public ReadStream<Buffer> fetch(long amount) {
    unpause();
    body.fetch(amount);
    return this;
  }

  /** Leaving back-pressure starts the clock afresh; a fetch while flowing does not (the pipe fetches after every write). */
  private void unpause() {
    if (paused) {
      paused = false;
      if (armed && !done) {
        startClock();
      }
    }
  }

  @Override public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    body.endHandler(endHandler == null ? null : v -> {
      stop();
      endHandler.handle(v);
    });
    return this;
  }
}
