package io.gatehouse.gateway.filter;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.function.Consumer;

/**
 * The request body as it streams upstream, also kept (up to {@code maxBytes}) for a mirror: at its
 * end {@code whole} gets the body, or {@code tooLarge} runs if it passed the cap. The primary's
 * stream is never held back.
 */
final class TeeBody implements ReadStream<Buffer> {
  private final ReadStream<Buffer> source;
  private final long maxBytes;
  private final Consumer<Buffer> whole;
  private final Runnable tooLarge;
  private Buffer kept = Buffer.buffer();

  TeeBody(ReadStream<Buffer> source, long maxBytes, Consumer<Buffer> whole, Runnable tooLarge) {
    this.source = source;
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

  @Override public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    source.exceptionHandler(handler);
    return this;
  }

  @Override public ReadStream<Buffer> pause() {
    source.pause();
    return this;
  }

  @Override public ReadStream<Buffer> resume() {
    source.resume();
    return this;
  }

  @Override public ReadStream<Buffer> fetch(long amount) {
    source.fetch(amount);
    return this;
  }
}
