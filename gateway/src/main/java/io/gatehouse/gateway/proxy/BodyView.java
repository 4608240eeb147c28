package io.gatehouse.gateway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A request body seen through a view that changes what its chunks or its end become (counted
 * against a limit, copied for a mirror, decoded from gRPC-web), with flow control passed straight
 * to the body underneath: pause, resume and fetch, and the exception handler, which the view also
 * keeps for failures of its own ({@link #fail}). Subclasses implement {@code handler} and
 * {@code endHandler}.
 */
public abstract class BodyView implements ReadStream<Buffer> {
  /** The body underneath. */
  protected final ReadStream<Buffer> source;
  private Handler<Throwable> exceptionHandler;

  protected BodyView(ReadStream<Buffer> source) {
    this.source = source;
  }

  @Override public final ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    source.exceptionHandler(handler);
    return this;
  }

  @Override public final ReadStream<Buffer> pause() {
    source.pause();
    return this;
  }

  @Override public final ReadStream<Buffer> resume() {
    source.resume();
    return this;
  }

  @Override public final ReadStream<Buffer> fetch(long amount) {
    source.fetch(amount);
    return this;
  }

  /** Fails the stream with {@code cause}: its exception handler, if one is set, hears it. */
  protected final void fail(Throwable cause) {
    Handler<Throwable> onError = exceptionHandler;
    if (onError != null) {
      onError.handle(cause);
    }
  }
}
