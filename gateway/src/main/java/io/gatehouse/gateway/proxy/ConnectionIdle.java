package io.gatehouse.gateway.proxy;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A client connection's idle timeout (the listener's {@code limits.idleTimeout}): the connection
 * is closed once nothing was read from it or written to it for that long. It takes the place of
 * the {@link IdleStateHandler} Vert.x puts in every connection's pipeline, under the same name,
 * when the listener gets the connection ({@link ConnectionGuard#accept}), and keeps its rule
 * (neither direction for the whole timeout) with less work per message: Netty's handler turns
 * each write's void promise into a real one and listens to it, to learn when the write completed
 * (a promise, a listener and their notification per write: 120 B per proxied request); this one
 * notes when the write was made. The two differ only for a write still queued when the time runs
 * out, which either way means the client has not read for the whole timeout.
 *
 * <p>When the time runs out, {@code onIdle} hears it (the count and the access log line), then
 * the {@link IdleStateEvent} Netty's handler would fire goes down the pipeline, and Vert.x closes
 * the connection on it, as before. One clock per connection, moved on by the event loop only when
 * it fires (as Netty's is): a request costs two reads of the clock and no task.
 */
final class ConnectionIdle extends ChannelDuplexHandler implements Runnable {
  /** Vert.x's name for its idle handler, which {@link UpgradeTunnel} removes once a connection is a tunnel. */
  static final String NAME = "idle";

  private final long timeoutNanos;
  private final Runnable onIdle;
  private ChannelHandlerContext ctx;
  private long lastActivity;
  /** A read is in progress: data is arriving, whatever the clock says. */
  private boolean reading;
  private Future<?> check;

  private ConnectionIdle(long timeoutNanos, Runnable onIdle) {
    this.timeoutNanos = timeoutNanos;
    this.onIdle = onIdle;
  }

  /**
   * Puts the idle timeout in place of the {@link IdleStateHandler} Vert.x put in {@code pipeline}
   * for an all-idle timeout; changes nothing when there is none.
   */
  static void replace(ChannelPipeline pipeline, Runnable onIdle) {
    if (pipeline.get(NAME) instanceof IdleStateHandler vertx && vertx.getAllIdleTimeInMillis() > 0
        && vertx.getReaderIdleTimeInMillis() <= 0 && vertx.getWriterIdleTimeInMillis() <= 0) {
      pipeline.replace(NAME, NAME, new ConnectionIdle(TimeUnit.MILLISECONDS.toNanos(vertx.getAllIdleTimeInMillis()), onIdle));
    }
  }

  @Override public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    lastActivity = System.nanoTime();
    check = ctx.executor().schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
  }

  @Override public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  @Override public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
    reading = true;
    ctx.fireChannelRead(msg);
  }

  @Override public void channelReadComplete(ChannelHandlerContext ctx) {
    if (reading) {
      lastActivity = System.nanoTime();
      reading = false;
    }
    ctx.fireChannelReadComplete();
  }

  @Override public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    lastActivity = System.nanoTime();
    ctx.write(msg, promise);
  }

  /** The clock fired: idle for the whole timeout, or set again for what is left of it. */
  @Override public void run() {
    if (check == null || !ctx.channel().isOpen()) {
      return;
    }
    long left = reading ? timeoutNanos : timeoutNanos - (System.nanoTime() - lastActivity);
    if (left > 0) {
      check = ctx.executor().schedule(this, left, TimeUnit.NANOSECONDS);
      return;
    }
    check = null;
    onIdle.run();
    ctx.fireUserEventTriggered(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT);
  }

  private void cancel() {
    Future<?> pending = check;
    check = null;
    if (pending != null) {
      pending.cancel(false);
    }
  }
}
