package io.gatehouse.gateway.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Cuts off an HTTP/1.x client that is too slow to send a request head (slowloris): the clock
 * starts when the connection opens, and again at the first byte after each response, and stops
 * when the head is complete. On timeout the client gets 408 {@code request_header_timeout} (the
 * gateway's JSON error, written as bytes: no request exists yet) and the connection is closed.
 * An idle keep-alive connection is left to the idle timeout. Sits after the TLS handler, if any,
 * so that it sees and writes plain HTTP.
 * Lives in the connection's Netty pipeline, on its event loop, as do the calls from the request
 * handler.
 */
final class HeadTimer extends ChannelInboundHandlerAdapter {
  private final long timeoutMillis;
  private final java.util.function.Consumer<String> onTimeout;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> timer;
  private boolean awaitingHead = true;
  private boolean off;

  /** {@code onTimeout} gets the request id of the 408 (for the access log and metrics). */
  HeadTimer(long timeoutMillis, java.util.function.Consumer<String> onTimeout) {
    this.timeoutMillis = timeoutMillis;
    this.onTimeout = onTimeout;
  }

  @Override public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    start();
  }

  @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (awaitingHead && timer == null && !off) {
      start();
    }
    ctx.fireChannelRead(msg);
  }

  @Override public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  /** The head of a request is in; HTTP/2 (many streams, no heads to trickle) turns the timer off for good. */
  void headReceived(boolean http2) {
    awaitingHead = false;
    off |= http2;
    cancel();
  }

  /** The response is done: the next byte starts the next head's clock. */
  void responseDone() {
    awaitingHead = true;
  }

  private void start() {
    timer = ctx.executor().schedule(() -> {
      timer = null;
      if (awaitingHead && !off) {
        String requestId = RequestIds.from(null);
        String body = Reason.HEADER_TIMEOUT.body(requestId);
        String response = "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
            + "x-gatehouse-reason: " + Reason.HEADER_TIMEOUT.word() + "\r\nx-request-id: " + requestId
            + "\r\nconnection: close\r\ncontent-length: " + body.length() + "\r\n\r\n" + body;
        onTimeout.accept(requestId);
        ctx.writeAndFlush(Unpooled.copiedBuffer(response, StandardCharsets.ISO_8859_1))
            .addListener(ChannelFutureListener.CLOSE);
      }
    }, timeoutMillis, TimeUnit.MILLISECONDS);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
