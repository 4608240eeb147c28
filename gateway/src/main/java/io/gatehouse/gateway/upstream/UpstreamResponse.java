package io.gatehouse.gateway.upstream;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/** An upstream's response to an {@link UpstreamRequest}: its head, then its body as a stream, then its trailers. */
public interface UpstreamResponse extends ReadStream<Buffer> {
  int statusCode();

  /** The reason phrase (null when there is none, as with HTTP/2). */
  String statusMessage();

  MultiMap headers();

  /** The trailers: complete once the body has ended. */
  MultiMap trailers();

  default String getHeader(CharSequence name) {
    return headers().get(name);
  }

  /** The whole body (for small ones: a retried error's). */
  Future<Buffer> body();

  /**
   * The whole body, taken at once, when all of it (and its end and trailers) is in and nothing has
   * read any of it: the body then counts as read. Null otherwise (read it as a stream).
   */
  default Buffer takeCompleteBody() {
    return null;
  }

  /** Completes when the body has ended (read through the handlers, or dropped without one). */
  Future<Void> end();

  @Override UpstreamResponse exceptionHandler(Handler<Throwable> handler);

  @Override UpstreamResponse handler(Handler<Buffer> handler);

  @Override UpstreamResponse pause();

  @Override UpstreamResponse resume();

  @Override UpstreamResponse fetch(long amount);

  @Override UpstreamResponse endHandler(Handler<Void> endHandler);
}
