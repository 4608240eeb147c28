package io.gatehouse.gateway.filter;

import io.gatehouse.gateway.proxy.BodyView;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.function.Consumer;

/**
 * The request body as it streams upstream, also kept (up to {@code maxBytes}) for a mirror: at its
 * end {@code whole} gets the body, or {@code tooLarge} runs if it passed the cap. The primary's
 * stream is never held back.
 */
final class TeeBody extends BodyView {
  private final long maxBytes;
  private final Consumer<Buffer> whole;
  private final Runnable tooLarge;
  private Buffer kept = Buffer.buffer();

  TeeBody(ReadStream<Buffer> source, long maxBytes, Consumer<Buffer> whole, Runnable tooLarge) {
    super(source);
    this.maxBytes = maxBytes;
    this.whole = whole;
    this.tooLarge = tooLarge;
  }

  @Override public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    if (handler == null) {
      source.handler(null);
      return this;
    }
    source.handler(chunk -> {
      if (kept != null) {
        if (kept.length() + chunk.length() > maxBytes) {
          kept = null;
        } else {
          kept.appendBuffer(chunk);
        }
      }
      handler.handle(chunk);
    });
    return this;
  }

  @Override public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    if (endHandler == null) {
      source.endHandler(null);
      return this;
    }
    source.endHandler(v -> {
      if (kept != null) {
        whole.accept(kept);
      } else {
        tooLarge.run();
      }
      endHandler.handle(v);
    });
    return this;
  }
}
