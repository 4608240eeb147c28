package io.gatehouse.gateway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.Base64;

/**
 * A gRPC-web request body as the gRPC body it carries, chunk by chunk: base64-decoded for
 * {@code -text} (in groups of 4 characters, the rest kept for the next chunk, since chunks need
 * not align; a padded group ends one base64 run and another may follow, as clients that encode
 * each message send), and every message header checked. A body that is not base64, ends inside
 * a message, or declares a message over {@link GrpcWeb#MAX_MESSAGE_BYTES} fails the stream with
 * {@link Reason#GRPC_WEB_MALFORMED}: the call ends and the upstream request is reset before its end.
 */
final class GrpcWebRequestBody extends BodyView {
  private final boolean text;
  private final GrpcFrames frames = new GrpcFrames(GrpcWeb.MAX_MESSAGE_BYTES, true);
  private final byte[] carry = new byte[3];
  private int carried;
  private boolean failed;

  GrpcWebRequestBody(ReadStream<Buffer> source, boolean text) {
    super(source);
    this.text = text;
  }

  /** A body a filter already read whole (mirroring), decoded and checked the same way. */
  static Buffer decodeWhole(Buffer body, boolean text) {
    GrpcWebRequestBody decoder = new GrpcWebRequestBody(null, text);
    Buffer decoded = decoder.decode(body);
    String problem = decoder.problemAtEnd();
    if (problem != null) {
      throw malformed(problem);
    }
    return decoded;
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
      Buffer decoded;
      try {
        decoded = decode(chunk);
      } catch (GatewayException e) {
        fail(e);
        return;
      }
      if (decoded.length() > 0) {
        handler.handle(decoded);
      }
    });
    return this;
  }

  @Override public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    source.endHandler(endHandler == null ? null : v -> {
      if (failed) {
        return;
      }
      String problem = problemAtEnd();
      if (problem != null) {
        fail(malformed(problem));
      } else {
        endHandler.handle(v);
      }
    });
    return this;
  }

  private Buffer decode(Buffer chunk) {
    Buffer plain = text ? base64(chunk) : chunk;
    try {
      frames.scan(plain);
    } catch (IllegalArgumentException e) {
      throw malformed(e.getMessage());
    }
    return plain;
  }

  /** The whole groups of 4 in what was carried plus {@code chunk}, decoded run by run; the rest is carried. */
  private Buffer base64(Buffer chunk) {
    int total = carried + chunk.length();
    int whole = total / 4 * 4;
    byte[] in = new byte[total];
    System.arraycopy(carry, 0, in, 0, carried);
    chunk.getBytes(0, chunk.length(), in, carried);
    carried = total - whole;
    System.arraycopy(in, whole, carry, 0, carried);
    Buffer out = Buffer.buffer(whole / 4 * 3);
    int run = 0;
    for (int group = 0; group < whole; group += 4) {
      if (in[group + 3] == '=' || group + 4 == whole) {
        out.appendBytes(decodeRun(in, run, group + 4));
        run = group + 4;
      }
    }
    return out;
  }

  private static byte[] decodeRun(byte[] in, int from, int to) {
    try {
      return Base64.getDecoder().decode(java.util.Arrays.copyOfRange(in, from, to));
    } catch (IllegalArgumentException e) {
      throw malformed("invalid base64: " + e.getMessage());
    }
  }

  /** Why the body cannot end here, or null when it can. */
  private String problemAtEnd() {
    if (carried > 0) {
      return "the base64 body's length is not a multiple of 4";
    }
    return frames.betweenFrames() ? null : frames.incomplete();
  }

  private void fail(GatewayException e) {
    failed = true;
    super.fail(e);
  }

  private static GatewayException malformed(String detail) {
    return new GatewayException(Reason.GRPC_WEB_MALFORMED, "gRPC-web request: " + detail);
  }
}
