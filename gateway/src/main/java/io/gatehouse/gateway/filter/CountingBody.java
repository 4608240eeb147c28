package io.gatehouse.gateway.filter;

import io.gatehouse.gateway.proxy.BodyView;
import io.gatehouse.gateway.proxy.GatewayException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.function.Supplier;

/**
 * The request body as a stream that counts bytes: past {@code maxBytes} it drops the rest and
 * fails with the error {@code exceeded} makes, so the pipe upstream stops and the call ends.
 */
final class CountingBody extends BodyView {
  private final long maxBytes;
  private final Supplier<GatewayException> exceeded;
  private long bytes;
  private boolean failed;

  CountingBody(ReadStream<Buffer> request, long maxBytes, Supplier<GatewayException> exceeded) {
    super(request);
    this.maxBytes = maxBytes;
    this.exceeded = exceeded;
  }

  @Override public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    if (handler == null) {
      source.handler(null);
      return this;
    }
    source.handler(chunk -> {
      if (failed) {
        return;
      }
      bytes += chunk.length();
      if (bytes <= maxBytes) {
        handler.handle(chunk);
        return;
      }
      failed = true;
      fail(exceeded.get());
    });
    return this;
  }

  @Override public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    source.endHandler(endHandler == null ? null : v -> {
      if (!failed) {
        endHandler.handle(v);
      }
    });
    return this;
  }
}
