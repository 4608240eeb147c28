package io.gatehouse.gateway.upstream;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.streams.WriteStream;

/**
 * One request sent to an upstream on one pooled connection, as the proxy drives it: the head goes
 * with the first body write or the end, the body streams with back-pressure, and the response
 * comes as an {@link UpstreamResponse}. Two kinds: {@link H1Pool}'s (HTTP/1.1 in clear text,
 * straight on Netty) and {@link VertxUpstreamRequest} (Vert.x's client: HTTP/2, TLS).
 * Used on the request's event loop only.
 */
public interface UpstreamRequest extends WriteStream<Buffer> {
  /** The head's headers; changes count until the head is written. */
  MultiMap headers();

  /** The {@code Host} (or {@code :authority}) to send. */
  UpstreamRequest authority(HostAndPort authority);

  HttpVersion version();

  /** Whether the body goes with {@code Transfer-Encoding: chunked} (HTTP/1.1). */
  boolean isChunked();

  UpstreamRequest setChunked(boolean chunked);

  /** The response head; fails when the request is reset or the connection closes before it. */
  Future<UpstreamResponse> response();

  /** Ends the request with {@code body} as its whole (rest of the) body. */
  Future<Void> end(Buffer body);

  /**
   * Cancels the request with {@code cause}: the response (or its body, if it has begun) fails with
   * it. An HTTP/1.x connection is closed (it cannot carry another request), an HTTP/2 stream reset.
   */
  void reset(Throwable cause);

  /**
   * Gives the request up without a cause of its own: an HTTP/2 stream is reset, an HTTP/1.x
   * connection closed, which also tells the upstream that the request it was reading is cut off.
   */
  void abandon();

  /** "METHOD uri for server authority", for error messages. */
  String describe();

  @Override UpstreamRequest exceptionHandler(Handler<Throwable> handler);

  @Override UpstreamRequest setWriteQueueMaxSize(int maxSize);

  @Override UpstreamRequest drainHandler(Handler<Void> handler);
}
