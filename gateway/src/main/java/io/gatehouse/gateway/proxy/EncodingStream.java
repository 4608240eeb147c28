package io.gatehouse.gateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.WriteStream;

/**
 * The client's response seen through a {@link ResponseCompression.BodyEncoder}: each chunk piped
 * in is compressed and written on at once; back-pressure is the response's own. The relay writes
 * the encoder's last bytes and ends the response itself.
 */
final class EncodingStream implements WriteStream<Buffer> {
  private final HttpServerResponse out;
  private final ResponseCompression.BodyEncoder encoder;

  EncodingStream(HttpServerResponse out, ResponseCompression.BodyEncoder encoder) {
    this.out = out;
    this.encoder = encoder;
  }

  @Override public EncodingStream exceptionHandler(Handler<Throwable> handler) {
    out.exceptionHandler(handler);
    return this;
  }

  @Override public Future<Void> write(Buffer data) {
    Buffer compressed = encoder.encode(data);
    return compressed.length() == 0 ? Future.succeededFuture() : out.write(compressed);
  }

  @Override public Future<Void> end() {
    return out.end(encoder.finish());
  }

  @Override public EncodingStream setWriteQueueMaxSize(int maxSize) {
    out.setWriteQueueMaxSize(maxSize);
    return this;
  }

  @Override public boolean writeQueueFull() {
    return out.writeQueueFull();
  }

  @Override public EncodingStream drainHandler(Handler<Void> handler) {
    out.drainHandler(handler);
    return this;
  }
}
