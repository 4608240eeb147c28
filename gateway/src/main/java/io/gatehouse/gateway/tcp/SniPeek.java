package io.gatehouse.gateway.tcp;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;
import io.vertx.core.buffer.Buffer;

/**
 * Reads the server name (SNI) from the first bytes of a TLS connection without terminating it.
 * The parsing is Netty's ({@link AbstractSniHandler}, which aggregates a ClientHello spread over
 * several records and reads), run in an {@link EmbeddedChannel}; the bytes themselves are kept by
 * the caller and forwarded untouched. One instance per connection; not thread-safe.
 */
public final class SniPeek {
  /** Upper bound on the ClientHello, as Netty's default; a larger one is not TLS worth peeking. */
  private static final int MAX_CLIENT_HELLO = 64 * 1024;

  /** What the bytes so far say. */
  public sealed interface Result {
    /** The ClientHello is not complete yet. */
    record NeedMore() implements Result {}

    /** A complete ClientHello; {@code serverName} is lowercase, empty when the client sent none. */
    record Found(String serverName) implements Result {}

    /** Not a TLS ClientHello. */
    record NotTls(String why) implements Result {}
  }

  private static final Result NEED_MORE = new Result.NeedMore();
  /** The content type of a TLS handshake record (RFC 8446 §5.1); Netty reads anything else as "no SNI". */
  private static final byte HANDSHAKE = 22;

  private final EmbeddedChannel channel;
  private Result result = NEED_MORE;
  private boolean started;

  public SniPeek() {
    channel = new EmbeddedChannel(new Handler());
  }

  /** Feeds the next bytes the client sent; answers once a result is known (and keeps answering it). */
  public Result offer(Buffer bytes) {
    if (!(result instanceof Result.NeedMore)) {
      return result;
    }
    if (!started && bytes.length() > 0) {
      started = true;
      if (bytes.getByte(0) != HANDSHAKE) {
        result = new Result.NotTls("first byte " + (bytes.getByte(0) & 0xff) + " is not a TLS handshake record");
        channel.finishAndReleaseAll();
        return result;
      }
    }
    try {
      channel.writeInbound(Unpooled.wrappedBuffer(bytes.getBytes()));
    } catch (RuntimeException e) {
      result = new Result.NotTls(String.valueOf(e.getMessage()));
    }
    if (!(result instanceof Result.NeedMore)) {
      channel.finishAndReleaseAll();
    }
    return result;
  }

  /** Releases what Netty holds, when the connection ends before a result. */
  public void close() {
    channel.finishAndReleaseAll();
  }

  private final class Handler extends AbstractSniHandler<String> {
    Handler() {
      super(MAX_CLIENT_HELLO, 0L);
    }

    @Override protected Future<String> lookup(ChannelHandlerContext ctx, String hostname) {
      return ctx.executor().newSucceededFuture(hostname);
    }

    @Override protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<String> future) {
      result = hostname == null ? new Result.Found("") : new Result.Found(hostname.toLowerCase(java.util.Locale.ROOT));
    }

    @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      result = new Result.NotTls(String.valueOf(cause.getMessage()));
    }
  }
}
