package io.gatehouse.gateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.WriteStream;

/**
 * The client's response seen through an {@link Encoder} (a {@link ResponseCompression.BodyEncoder},
 * or gRPC-web's {@link GrpcWebResponse}): each chunk piped in is encoded and written on at once;
 * back-pressure is the response's own. {@link #end} writes the encoder's last bytes and ends the response.
 */
final class EncodingStream implements WriteStream<Buffer> {
  /** Turns each chunk of a body into what is sent, and says what follows the last. */
  interface Encoder {
    Buffer encode(Buffer chunk);

    Buffer finish();
  }

  private final HttpServerResponse out;
  private final Encoder encoder;

  EncodingStream(HttpServerResponse out, Encoder encoder) {
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
