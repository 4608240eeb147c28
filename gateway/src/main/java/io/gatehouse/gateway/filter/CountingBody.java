package io.gatehouse.gateway.filter;

import io.gatehouse.gateway.proxy.GatewayException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;
import java.util.function.Supplier;

/**
 * The request body as a stream that counts bytes: past {@code maxBytes} it drops the rest and
 * fails with the error {@code exceeded} makes, so the pipe upstream stops and the call ends.
 */
final class CountingBody implements ReadStream<Buffer> {
  private final HttpServerRequest request;
  private final long maxBytes;
  private final Supplier<GatewayException> exceeded;
  private Handler<Throwable> exceptionHandler;
  private long bytes;
  private boolean failed;

  CountingBody(HttpServerRequest request, long maxBytes, Supplier<GatewayException> exceeded) {
    this.request = request;
    this.maxBytes = maxBytes;
    this.exceeded = exceeded;
  }

  @Override public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    request.exceptionHandler(handler);
    return this;
  }

  @Override public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    if (handler == null) {
      request.handler(null);
      return this;
    }
    request.handler(chunk -> {
      if (failed) {
        return;
      }
      bytes += chunk.length();
      if (bytes <= maxBytes) {
        handler.handle(chunk);
        return;
      }
      failed = true;
      Handler<Throwable> onError = exceptionHandler;
      if (onError != null) {
        onError.handle(exceeded.get());
      }
    });
    return this;
  }

  @Override public ReadStream<Buffer> pause() {
    request.pause();
    return this;
  }

  @Override public ReadStream<Buffer> resume() {
    request.resume();
    return this;
  }

  @Override public ReadStream<Buffer> fetch(long amount) {
    request.fetch(amount);
    return this;
  }

  @Override public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    request.endHandler(endHandler == null ? null : v -> {
      if (!failed) {
        endHandler.handle(v);
      }
    });
    return this;
  }
}
