package io.gatehouse.gateway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * The request body as a stream that fails with 408 {@code request_body_timeout} when the client
 * sends nothing for {@code timeoutMillis} (the listener's {@code bodyReadTimeout}). Time spent
 * paused by back-pressure (the upstream reading slowly) is not the client's and is not counted.
 * One timer per body, armed when the body is first resumed and re-armed lazily: a chunk only
 * records the time.
 */
final class IdleBody implements ReadStream<Buffer> {
  private final ReadStream<Buffer> body;
  private final Vertx vertx;
  private final long timeoutMillis;
  private final Runnable onTimeout;
  private Handler<Throwable> exceptionHandler;
  private long lastRead = System.nanoTime();
  private long timer = -1;
  private boolean paused;
  private boolean done;

  IdleBody(ReadStream<Buffer> body, Vertx vertx, long timeoutMillis, Runnable onTimeout) {
    this.body = body;
    this.vertx = vertx;
    this.timeoutMillis = timeoutMillis;
    this.onTimeout = onTimeout;
  }

  private void arm(long millis) {
    timer = vertx.setTimer(Math.max(1, millis), id -> check());
  }

  private void check() {
    timer = -1;
    if (done) {
      return;
    }
    long idle = (System.nanoTime() - lastRead) / 1_000_000;
    if (paused || idle < timeoutMillis) {
      arm(paused ? timeoutMillis : timeoutMillis - idle);
      return;
    }
    done = true;
    onTimeout.run();
    Handler<Throwable> onError = exceptionHandler;
    if (onError != null) {
      onError.handle(new GatewayException(Reason.BODY_TIMEOUT, "no request body byte for " + timeoutMillis + "ms"));
    }
  }

  private void stop() {
    done = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
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
      lastRead = System.nanoTime();
      if (!done) {
        handler.handle(chunk);
      }
    });
    return this;
  }

  @Override public ReadStream<Buffer> pause() {
    paused = true;
    body.pause();
    return this;
  }

  @Override public ReadStream<Buffer> resume() {
    unpause();
    body.resume();
    if (!done && timer < 0) {
      // Armed only now: a body that was already complete (an HTTP/2 GET's END_STREAM, queued while
      // the request was paused) has ended inside resume(), and needs no timer at all.
      arm(timeoutMillis);
    }
    return this;
  }

  @Override public ReadStream<Buffer> fetch(long amount) {
    unpause();
    body.fetch(amount);
    return this;
  }

  /** Leaving back-pressure restarts the clock; a fetch while flowing does not (the pipe fetches after every write). */
  private void unpause() {
    if (paused) {
      paused = false;
      lastRead = System.nanoTime();
    }
  }

  @Override public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    body.endHandler(endHandler == null ? null : v -> {
      stop();
      if (endHandler != null) {
        endHandler.handle(v);
      }
    });
    return this;
  }
}
