package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.upstream.UpstreamResponse;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.streams.Pipe;
import io.vertx.core.streams.ReadStream;
import java.util.Base64;

/**
 * A gRPC upstream's response sent to a gRPC-web client: the head with the gRPC-web content type
 * and no length; the message frames as they stream (base64 for {@code -text}, each frame's run
 * closed with its padding at the frame's end, which is what Envoy writes, without waiting for
 * whole frames); then the upstream's trailers as one trailer frame. A trailers-only response
 * ({@code grpc-status} in the head) keeps its status in the head, as Envoy does. A response that
 * is not gRPC (another status or content type) gets a gRPC status for its HTTP status instead of
 * its body.
 */
final class GrpcWebResponse implements EncodingStream.Encoder {
  private final GrpcWeb web;
  private final UpstreamResponse upstream;
  private final GrpcFrames frames = new GrpcFrames(Long.MAX_VALUE, false);
  private final byte[] carry = new byte[2];
  private int carried;

  private GrpcWebResponse(GrpcWeb web, UpstreamResponse upstream) {
    this.web = web;
    this.upstream = upstream;
  }

  /** Completes when the client's response has ended; fails if either side broke mid-body. */
  static Future<Void> relay(Exchange ex, UpstreamResponse response, ReadStream<Buffer> body, GrpcWeb web) {
    HttpServerResponse out = ex.response();
    int status = response.statusCode();
    out.setStatusCode(status);
    MultiMap head = out.headers();
    ForwardedHeaders.copyResponseHeaders(response.headers(), head);
    head.remove(HttpHeaders.CONTENT_LENGTH);
    head.set(HttpHeaders.CONTENT_TYPE, web.responseContentType());
    if (!head.contains("x-request-id")) {
      head.set("x-request-id", ex.requestId());
    }
    String type = response.getHeader(HttpHeaders.CONTENT_TYPE);
    if (status != 200 || type == null || !type.startsWith("application/grpc")) {
      int code = GrpcWeb.httpToGrpc(status);
      head.set("grpc-status", Integer.toString(code)).set("grpc-message", "upstream answered HTTP " + status);
      web.grpcStatus(Integer.toString(code));
      ex.editResponseHead(head);
      body.handler(ignored -> { });  // read and drop the body, so the stream completes
      return response.end().compose(v -> out.end());
    }
    boolean trailersOnly = head.contains("grpc-status");
    if (trailersOnly) {
      web.grpcStatus(head.get("grpc-status"));
    }
    ex.editResponseHead(head);
    if (ex.request().version() != HttpVersion.HTTP_1_0) {
      out.setChunked(true);
    }
    GrpcWebResponse encoder = new GrpcWebResponse(web, response);
    EncodingStream encoding = new EncodingStream(out, trailersOnly ? new Passing() : encoder);
    Pipe<Buffer> pipe = body.pipe();
    pipe.endOnSuccess(false);
    pipe.endOnFailure(false);
    return pipe.to(encoding).compose(v -> encoding.end());
  }

  @Override public Buffer encode(Buffer chunk) {
    if (!web.textResponse()) {
      return chunk;
    }
    Buffer out = Buffer.buffer(chunk.length() / 3 * 4 + 8);
    int i = 0;
    while (i < chunk.length()) {
      int next = frames.advance(chunk, i);
      encodeRun(chunk, i, next, out);
      if (frames.betweenFrames()) {
        closeRun(out);
      }
      i = next;
    }
    return out;
  }

  /** What ends the body: the last base64 run closed (an upstream that stopped mid-frame), then the trailer frame. */
  @Override public Buffer finish() {
    Buffer out = Buffer.buffer();
    closeRun(out);
    return out.appendBuffer(web.trailerFrame(upstream.trailers()));
  }

  /** Encodes whole groups of 3 of what was carried plus {@code chunk[from, to)}; keeps the rest. */
  private void encodeRun(Buffer chunk, int from, int to, Buffer out) {
    int total = carried + to - from;
    byte[] in = new byte[total];
    System.arraycopy(carry, 0, in, 0, carried);
    chunk.getBytes(from, to, in, carried);
    int whole = total / 3 * 3;
    carried = total - whole;
    System.arraycopy(in, whole, carry, 0, carried);
    out.appendBytes(Base64.getEncoder().encode(java.util.Arrays.copyOf(in, whole)));
  }

  /** Encodes what is carried with its padding: the end of a frame's run. */
  private void closeRun(Buffer out) {
    if (carried > 0) {
      out.appendBytes(Base64.getEncoder().encode(java.util.Arrays.copyOf(carry, carried)));
      carried = 0;
    }
  }

  /** A trailers-only response's (empty) body, as it is. */
  private static final class Passing implements EncodingStream.Encoder {
    @Override public Buffer encode(Buffer chunk) {
      return chunk;
    }

    @Override public Buffer finish() {
      return Buffer.buffer();
    }
  }
}
