package io.gatehouse.gateway.proxy;

import io.vertx.core.buffer.Buffer;

/**
 * Where a stream of gRPC length-prefixed messages stands (PROTOCOL-HTTP2.md: one flags byte, a
 * 4-byte big-endian length, the message), fed chunk by chunk with no alignment to frames. The
 * request side checks each header as it completes (flags 0 or 1, length within the limit); the
 * response side only needs the frame ends, where gRPC-web-text closes a base64 run.
 */
final class GrpcFrames {
  static final int HEADER = 5;
  /** The trailers frame of gRPC-web (its flags byte). */
  static final int TRAILER_FLAG = 0x80;

  private final long maxLength;
  private final boolean request;
  private final byte[] header = new byte[HEADER];
  private int headerBytes;
  private long remaining;

  /** {@code request}: check headers as a client's (no trailer flag); messages over {@code maxLength} are refused. */
  GrpcFrames(long maxLength, boolean request) {
    this.maxLength = maxLength;
    this.request = request;
  }

  /**
   * Reads {@code chunk} from {@code from} until it ends or the current frame does, and answers
   * where it stopped. Throws {@link IllegalArgumentException} (the reason as its message) for a
   * header that breaks the rules.
   */
  int advance(Buffer chunk, int from) {
    int i = from;
    int end = chunk.length();
    while (i < end) {
      if (headerBytes < HEADER) {
        header[headerBytes++] = chunk.getByte(i++);
        if (headerBytes == HEADER) {
          remaining = ((header[1] & 0xffL) << 24) | ((header[2] & 0xff) << 16) | ((header[3] & 0xff) << 8) | (header[4] & 0xff);
          check();
          if (remaining == 0) {
            headerBytes = 0;
            return i;
          }
        }
      } else {
        int take = (int) Math.min(remaining, end - i);
        i += take;
        remaining -= take;
        if (remaining == 0) {
          headerBytes = 0;
          return i;
        }
      }
    }
    return i;
  }

  /** Reads the whole chunk, checking every header in it. */
  void scan(Buffer chunk) {
    for (int i = 0; i < chunk.length(); ) {
      i = advance(chunk, i);
    }
  }

  /** Whether the bytes so far end exactly at a frame's end (or there were none). */
  boolean betweenFrames() {
    return headerBytes == 0;
  }

  /** What an incomplete last frame lacks, for the error. */
  String incomplete() {
    return headerBytes < HEADER ? "the stream ends inside a message header (" + headerBytes + " of 5 bytes)"
        : "the stream ends " + remaining + " bytes short of the message its header declares";
  }

  private void check() {
    int flags = header[0] & 0xff;
    if (request && flags > 1) {
      throw new IllegalArgumentException("message flags 0x" + Integer.toHexString(flags) + " (expected 0 or 1)");
    }
    if (remaining > maxLength) {
      throw new IllegalArgumentException("a message of " + remaining + " bytes is over the limit of " + maxLength);
    }
  }
}
