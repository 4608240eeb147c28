package io.gatehouse.gateway.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.vertx.core.buffer.Buffer;

/**
 * Where WebSocket frames (RFC 6455 §5.2) begin and end in one direction of a tunnelled
 * connection, read from the frame headers alone (payloads are skipped, never unmasked or copied),
 * so that the gateway can put a close frame of its own between two frames: "going away" (1001)
 * at an idle timeout or at the end of a drain. Also notes whether the peer sent a close frame.
 */
final class WebSocketFrames {
  private static final int OPCODE_CLOSE = 0x8;

  /** The longest frame header: 2 bytes, a 64-bit length, a 4-byte mask key. */
  private final byte[] head = new byte[14];
  private int headLength;
  private long payloadLeft;
  private boolean closeSeen;

  /** Whether the bytes read so far end exactly at the end of a frame. */
  boolean atBoundary() {
    return headLength == 0 && payloadLeft == 0;
  }

  /** Whether a close frame has begun in this direction. */
  boolean closeSeen() {
    return closeSeen;
  }

  /** Reads {@code bytes} from {@code from} on. */
  void scan(Buffer bytes, int from) {
    scan(bytes, from, false);
  }

  /**
   * Reads {@code bytes} from {@code from} up to the end of the frame in progress; returns the index
   * just past that end, or -1 if the frame goes on past these bytes (all read). At a boundary
   * already, returns {@code from}.
   */
  int untilBoundary(Buffer bytes, int from) {
    return atBoundary() ? from : scan(bytes, from, true);
  }

  private int scan(Buffer bytes, int from, boolean stopAtBoundary) {
    int i = from;
    int n = bytes.length();
    while (i < n) {
      if (payloadLeft > 0) {
        int take = (int) Math.min(payloadLeft, n - i);
        payloadLeft -= take;
        i += take;
        if (payloadLeft == 0 && stopAtBoundary) {
          return i;
        }
        continue;
      }
      head[headLength++] = bytes.getByte(i++);
      if (headLength >= 2 && headLength == headerSize()) {
        payloadLeft = payloadLength();
        if ((head[0] & 0x0F) == OPCODE_CLOSE) {
          closeSeen = true;
        }
        headLength = 0;
        if (payloadLeft == 0 && stopAtBoundary) {
          return i;
        }
      }
    }
    return stopAtBoundary ? -1 : i;
  }

  private int headerSize() {
    int length7 = head[1] & 0x7F;
    int extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
    int mask = (head[1] & 0x80) != 0 ? 4 : 0;
    return 2 + extended + mask;
  }

  private long payloadLength() {
    int length7 = head[1] & 0x7F;
    if (length7 < 126) {
      return length7;
    }
    int bytes = length7 == 126 ? 2 : 8;
    long length = 0;
    for (int k = 0; k < bytes; k++) {
      length = (length << 8) | (head[2 + k] & 0xFF);
    }
    return length & Long.MAX_VALUE;
  }

  /**
   * A close frame with status 1001 "going away", encoded by Netty's encoder: {@code masked} for
   * the upstream (the gateway is its client, RFC 6455 §5.3), unmasked for the client.
   */
  static Buffer goingAway(boolean masked) {
    EmbeddedChannel encoder = new EmbeddedChannel(new WebSocket08FrameEncoder(masked));
    try {
      encoder.writeOutbound(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "going away"));
      Buffer frame = Buffer.buffer();
      for (ByteBuf part = encoder.readOutbound(); part != null; part = encoder.readOutbound()) {
        byte[] bytes = new byte[part.readableBytes()];
        part.readBytes(bytes);
        part.release();
        frame.appendBytes(bytes);
      }
      return frame;
    } finally {
      encoder.finishAndReleaseAll();
    }
  }
}
