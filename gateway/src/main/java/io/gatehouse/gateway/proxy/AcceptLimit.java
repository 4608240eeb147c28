package io.gatehouse.gateway.proxy;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Counts and bounds a listener's connections where they are accepted: on the listening socket,
 * before Vert.x sees them. Vert.x hands a clear-text connection (which may speak h2c) to the
 * listener only once its first request is parsed, so a connection that never sends one was
 * neither counted in {@code gatehouse.connections.active} nor held to {@code maxConnections};
 * here every accepted connection is, idle or not, TLS handshake or not. One is closed at once when
 * the listener is full. On a clear-text listener each accepted connection also gets its
 * {@link HeadTimer} here, first in its pipeline, so that the first request head is timed from the
 * accept too.
 */
@ChannelHandler.Sharable
final class AcceptLimit extends ChannelInboundHandlerAdapter {
  static final String NAME = "gatehouse-accept-limit";

  private final AtomicLong open;
  private final int maxConnections;
  private final Counter refused;
  /** The head timer of a clear-text connection; null on TLS listeners (heads are timed once TLS is up). */
  private final Function<Channel, HeadTimer> headTimer;

  AcceptLimit(AtomicLong open, int maxConnections, Counter refused, Function<Channel, HeadTimer> headTimer) {
    this.open = open;
    this.maxConnections = maxConnections;
    this.refused = refused;
    this.headTimer = headTimer;
  }

  @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Channel child)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      refused.increment();
      child.unsafe().closeForcibly(); // not registered with an event loop yet: close the socket now
      return;
    }
    child.closeFuture().addListener(f -> open.decrementAndGet());
    if (headTimer != null) {
      // Ahead of everything Vert.x adds; its clock starts when the channel is registered with its event loop.
      child.pipeline().addFirst(headTimer.apply(child));
    }
    ctx.fireChannelRead(child);
  }
}
