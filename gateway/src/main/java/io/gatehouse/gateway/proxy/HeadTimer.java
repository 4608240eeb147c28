package io.gatehouse.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.vertx.core.Handler;
import java.nio.charset.StandardCharsets;
import java.util.function.ObjIntConsumer;

/**
 * Cuts off an HTTP/1.x client that is too slow to send a request head (slowloris): the clock
 * starts when the connection opens, and again at the first byte after each response, and stops
 * when the head is complete. On timeout the client gets 408 {@code request_header_timeout} (the
 * gateway's JSON error, written as bytes: no request exists yet) and the connection is closed.
 * An idle keep-alive connection is left to the idle timeout. Sits after the TLS handler, if any,
 * so that it sees and writes plain HTTP.
 *
 * <p>On a clear-text listener it is put in the pipeline when the connection is accepted
 * ({@link AcceptLimit}), ahead of Vert.x's codecs, which do not yet know whether the connection
 * speaks HTTP/1.x or h2c with prior knowledge (Vert.x hands the connection over only once that
 * is settled and, for HTTP/1.x, the first head is parsed). HTTP/2 turns the timer off once its
 * connection is up (its streams have their own limits); if time runs out while the client is
 * still sending the HTTP/2 preface or its first SETTINGS, the connection is closed (GOAWAY when
 * the HTTP/2 handler is in place) without any HTTP/1.x text.
 * Lives in the connection's Netty pipeline, on its event loop, as do the calls from the request
 * handler. The clock is a wait in the event loop's {@link RouteTimeouts} list for this timeout:
 * timing each head of a keep-alive connection allocates nothing.
 */
final class HeadTimer extends ChannelInboundHandlerAdapter implements Handler<Void> {
  private final long timeoutMillis;
  private final ObjIntConsumer<String> onTimeout;
  private final Clock timer = new Clock();
  private ChannelHandlerContext ctx;
  private boolean awaitingHead = true;
  private boolean off;
  /** Whether any byte arrived: with no HTTP/1.x decoder yet, those are the start of an HTTP/2 preface. */
  private boolean bytesSeen;

  /**
   * {@code onTimeout} gets the request id and the status answered: 408, or 0 when the connection
   * was closed without an answer (an HTTP/2 preface), for the access log and metrics.
   */
  HeadTimer(long timeoutMillis, ObjIntConsumer<String> onTimeout) {
    this.timeoutMillis = timeoutMillis;
    this.onTimeout = onTimeout;
  }

  @Override public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    start();
  }

  @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (awaitingHead && !off && !RouteTimeouts.waiting(timer)) {
      start();
    }
    if (!bytesSeen && msg instanceof ByteBuf bytes && bytes.isReadable()) {
      bytesSeen = true;
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

  /** The response's end handler: {@link #responseDone()}. */
  @Override public void handle(Void ended) {
    responseDone();
  }

  private void start() {
    RouteTimeouts.start(timer, timeoutMillis, ctx.channel().eventLoop());
  }

  /** This connection's head clock. */
  private final class Clock extends RouteTimeouts.Waiting {
    @Override void timedOut() {
      if (awaitingHead && !off) {
        expire();
      }
    }
  }

  private void expire() {
    String requestId = RequestIds.from(null);
    if (speaksHttp2(ctx.pipeline())) {
      onTimeout.accept(requestId, 0);
      ctx.channel().close(); // from the tail, through the HTTP/2 handler if there is one: GOAWAY, then close
      return;
    }
    String body = Reason.HEADER_TIMEOUT.body(requestId);
    String response = "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
        + "x-gatehouse-reason: " + Reason.HEADER_TIMEOUT.word() + "\r\nx-request-id: " + requestId
        + "\r\nconnection: close\r\ncontent-length: " + body.length() + "\r\n\r\n" + body;
    onTimeout.accept(requestId, Reason.HEADER_TIMEOUT.status());
    ctx.writeAndFlush(Unpooled.copiedBuffer(response, StandardCharsets.ISO_8859_1))
        .addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Whether the connection is (becoming) HTTP/2: its handler is in place (the preface came, the
   * client's SETTINGS not yet), or bytes came and Vert.x has put no HTTP/1.x decoder in place, so
   * its h2c detector still holds them: every one matched the HTTP/2 preface so far.
   */
  private boolean speaksHttp2(ChannelPipeline pipeline) {
    return pipeline.get(Http2ConnectionHandler.class) != null
        || bytesSeen && pipeline.get(HttpRequestDecoder.class) == null;
  }

  private void cancel() {
    RouteTimeouts.stop(timer);
  }
}
