package io.gatehouse.gateway.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Frame boundaries found from the headers alone, on frames Netty's encoder wrote (masked and not,
 * 7-, 16- and 64-bit lengths), whatever the pieces the bytes arrive in; and the close frame the
 * gateway sends decodes, with Netty's decoder, as 1001 "going away".
 */
class WebSocketFramesTest {
  private static Buffer encode(boolean masked, WebSocketFrame... frames) {
    EmbeddedChannel encoder = new EmbeddedChannel(new WebSocket08FrameEncoder(masked));
    for (WebSocketFrame f : frames) {
      encoder.writeOutbound(f);
    }
    Buffer out = Buffer.buffer();
    for (ByteBuf b = encoder.readOutbound(); b != null; b = encoder.readOutbound()) {
      byte[] bytes = new byte[b.readableBytes()];
      b.readBytes(bytes);
      b.release();
      out.appendBytes(bytes);
    }
    encoder.finishAndReleaseAll();
    return out;
  }

  private static WebSocketFrame text(int length) {
    return new TextWebSocketFrame("x".repeat(length));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 100, 70_000})
  void findsTheEndOfEveryFrameWhateverThePieces(int piece) {
    for (boolean masked : new boolean[] {true, false}) {
      List<Integer> lengths = List.of(0, 5, 125, 126, 300, 65_535, 65_536, 70_000);
      Buffer bytes = Buffer.buffer();
      List<Integer> ends = new java.util.ArrayList<>();
      for (int length : lengths) {
        bytes.appendBuffer(encode(masked, text(length)));
        ends.add(bytes.length());
      }
      WebSocketFrames frames = new WebSocketFrames();
      for (int at = 0; at < bytes.length(); at += piece) {
        int to = Math.min(bytes.length(), at + piece);
        frames.scan(bytes.slice(at, to), 0);
        assertEquals(ends.contains(to), frames.atBoundary(), "masked " + masked + ", piece " + piece + ", at " + to);
      }
      // From inside a frame, untilBoundary stops exactly at its end, even with the next frame in the same bytes.
      WebSocketFrames split = new WebSocketFrames();
      split.scan(bytes.slice(0, 1), 0);
      assertEquals(ends.get(0) - 1, split.untilBoundary(bytes.slice(1, bytes.length()), 0));
      assertEquals(7, split.untilBoundary(bytes, 7), "at a boundary already");
      int second = ends.get(0);
      split.scan(bytes.slice(second, second + 3), 0);
      assertEquals(ends.get(1) - second - 3, split.untilBoundary(bytes.slice(second + 3, bytes.length()), 0));
      WebSocketFrames inside = new WebSocketFrames();
      int big = ends.get(4);
      inside.scan(bytes.slice(big, big + 1), 0);
      assertEquals(-1, inside.untilBoundary(bytes.slice(big + 1, big + 100), 0), "the frame goes on past these bytes");
      assertFalse(frames.closeSeen());
    }
  }

  @Test
  void notesAClose() {
    WebSocketFrames frames = new WebSocketFrames();
    Buffer bytes = encode(true, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[10])), new CloseWebSocketFrame(1000, "bye"));
    frames.scan(bytes.slice(0, 5), 0);
    assertFalse(frames.atBoundary());
    assertFalse(frames.closeSeen());
    frames.scan(bytes.slice(5, bytes.length()), 0);
    assertTrue(frames.closeSeen());
    assertTrue(frames.atBoundary());
  }

  @Test
  void theGatewaysCloseIsGoingAwayMaskedUpstreamOnly() {
    for (boolean masked : new boolean[] {true, false}) {
      Buffer frame = WebSocketFrames.goingAway(masked);
      assertEquals(masked, (frame.getByte(1) & 0x80) != 0);
      EmbeddedChannel decoder = new EmbeddedChannel(new WebSocket08FrameDecoder(
          WebSocketDecoderConfig.newBuilder().expectMaskedFrames(masked).allowMaskMismatch(false).build()));
      decoder.writeInbound(Unpooled.wrappedBuffer(frame.getBytes()));
      CloseWebSocketFrame close = decoder.readInbound();
      assertEquals(1001, close.statusCode());
      assertEquals("going away", close.reasonText());
      close.release();
      decoder.finishAndReleaseAll();
    }
  }
}
