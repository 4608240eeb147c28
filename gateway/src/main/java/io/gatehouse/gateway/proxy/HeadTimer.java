package io.gatehouse.gateway.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Cuts off an HTTP/1.x client that is too slow to send a request head (slowloris): the clock
 * starts when the connection opens, and again at the first byte after each response, and stops
 * when the head is complete. An idle keep-alive connection is left to the idle timeout.
 * Lives in the connection's Netty pipeline, on its event loop, as do the calls from the request
 * handler.
 */
final class HeadTimer extends ChannelInboundHandlerAdapter {
  private final long timeoutMillis;
  private final Runnable onTimeout;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> timer;
  private boolean awaitingHead = true;
  private boolean off;

  HeadTimer(long timeoutMillis, Runnable onTimeout) {
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
        onTimeout.run();
        ctx.close();
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
