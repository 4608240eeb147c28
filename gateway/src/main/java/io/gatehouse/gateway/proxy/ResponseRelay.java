package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.upstream.UpstreamResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.streams.Pipe;
import io.vertx.core.streams.ReadStream;

/**
 * Sends an upstream response to the client: status, headers minus hop-by-hop, the route's
 * response-head edits, then the body and trailers (gRPC needs them). A body that came whole with
 * its head goes out with the head in one write; any other streams with back-pressure (compressed
 * on the way when the route compresses: {@link ResponseCompression}). A gRPC-web exchange's
 * response goes through {@link GrpcWebResponse} instead.
 */
public final class ResponseRelay {
  private ResponseRelay() {}

  /** Completes when the client's response has ended; fails if either side broke mid-body. */
  public static Future<Void> relay(Exchange ex, UpstreamResponse response) {
    return relay(ex, response, response);
  }

  /**
   * As {@link #relay(Exchange, UpstreamResponse)}, with the body read from {@code body}:
   * {@code response}'s body, seen through a wrapper ({@link IdleResponse}).
   */
  public static Future<Void> relay(Exchange ex, UpstreamResponse response, ReadStream<Buffer> body) {
    if (ex.grpcWeb() != null) {
      return GrpcWebResponse.relay(ex, response, body, ex.grpcWeb());
    }
    HttpServerResponse out = ex.response();
    int status = response.statusCode();
    out.setStatusCode(status);
    String message = response.statusMessage();
    if (message != null && !message.equals(HttpResponseStatus.valueOf(status).reasonPhrase())) {
      out.setStatusMessage(message); // the upstream's own phrase; the standard one is the default
    }
    ForwardedHeaders.copyResponseHeaders(response.headers(), out.headers());
    if (!out.headers().contains(RequestIds.HEADER)) {
      // The client can quote it when it reports a problem; the access log line carries the same id.
      out.headers().set(RequestIds.HEADER, ex.requestId());
    }
    ex.editResponseHead(out.headers());
    ResponseCompression compression = ex.compression();
    ResponseCompression.BodyEncoder encoder = compression == null ? null
        : compression.begin(ex.request().method(), ex.request().version(), response.statusCode(), out.headers());
    if (!out.headers().contains(HttpHeaders.CONTENT_LENGTH) && mayHaveBody(ex, response.statusCode())
        && ex.request().version() != HttpVersion.HTTP_1_0) {
      out.setChunked(true);
    }
    Buffer whole = encoder == null ? response.takeCompleteBody() : null;
    if (whole != null) {
      // The body came whole with the head: head, body and end go out in one write.
      if (!response.trailers().isEmpty()) {
        out.trailers().addAll(response.trailers());
      }
      return whole.length() == 0 ? out.end() : out.end(whole);
    }
    Pipe<Buffer> pipe = body.pipe();
    pipe.endOnSuccess(false);
    pipe.endOnFailure(false);
    if (encoder != null) {
      EncodingStream encoding = new EncodingStream(out, encoder);
      return pipe.to(encoding).compose(v -> {
        if (!response.trailers().isEmpty()) {
          out.trailers().addAll(response.trailers());
        }
        return encoding.end();
      }, failure -> {
        encoder.discard();
        return Future.failedFuture(failure);
      });
    }
    return pipe.to(out).compose(v -> {
      if (!response.trailers().isEmpty()) {
        out.trailers().addAll(response.trailers());
      }
      return out.end();
    });
  }

  private static boolean mayHaveBody(Exchange ex, int status) {
    return ex.request().method() != HttpMethod.HEAD && status >= 200 && status != 204 && status != 304;
  }
}
