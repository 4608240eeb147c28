package io.gatehouse.gateway.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Handler;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.impl.headers.Http1xHeaders;
import io.vertx.core.MultiMap;
import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.TimeUnit;

/**
 * One keep-alive HTTP/1.1 connection of an {@link H1Pool}: Netty's request encoder, a response
 * decoder ({@link H1ResponseDecoder}) and this handler, which hands what the upstream sends to the
 * exchange it carries now (dispatched on that request's Vert.x context), and gives the connection
 * back to its loop's pool when both the request and the response are complete. Informational
 * responses (100, 102, 103) are skipped, as Vert.x's client does without a handler for them.
 */
final class H1Connection extends ChannelInboundHandlerAdapter implements Handler<Object> {
  /** As Vert.x's client: the status line, the whole head (as {@code UpstreamClient} set it), a body piece. */
  private static final int MAX_INITIAL_LINE = 4096;
  private static final int MAX_HEADER_SIZE = 32 * 1024;
  private static final int MAX_CHUNK_SIZE = 8192;
  /**
   * Response heads are parsed into Vert.x's header map, as Vert.x's own client did: the relay reads
   * and copies them without an adapter, names validated as Vert.x validates them. Trailers too
   * (Netty's decoder drops the framing fields a trailer must not carry, RFC 9110 §6.5.1): the map
   * makes no table until a field is added, and every answer gets one though few use it.
   */
  private static final HttpHeadersFactory VERTX_HEADERS = new HttpHeadersFactory() {
    @Override public HttpHeaders newHeaders() {
      return Http1xHeaders.httpHeaders();
    }

    @Override public HttpHeaders newEmptyHeaders() {
      return Http1xHeaders.httpHeaders();
    }
  };
  /** Handed to {@link #handle} when the channel has read all it had for now. */
  private static final Object READ_COMPLETE = new Object();
  private static final long MAX_KEEP_ALIVE_NANOS = TimeUnit.MILLISECONDS.toNanos(H1Pool.KEEP_ALIVE_MILLIS);

  private final H1Pool.Loop loop;
  Channel channel;
  /** The exchange this connection carries, or null while it is idle. */
  H1Exchange current;
  /** Whether it sits in its loop's idle list. */
  boolean pooled;
  /** How long it may stay idle after the last answer (that answer's {@code Keep-Alive: timeout}, at most 60 s). */
  private long keepAliveNanos;
  private long expiresNanos;
  /** The upstream said it will close, or the exchange cannot be followed by another. */
  private boolean lastExchange;
  /** Inside an informational response, which is dropped. */
  private boolean informational;

  H1Connection(H1Pool.Loop loop) {
    this.loop = loop;
  }

  ChannelInitializer<Channel> initializer() {
    return new ChannelInitializer<>() {
      @Override protected void initChannel(Channel ch) {
        HttpDecoderConfig decoding = new HttpDecoderConfig().setMaxInitialLineLength(MAX_INITIAL_LINE)
            .setMaxHeaderSize(MAX_HEADER_SIZE).setMaxChunkSize(MAX_CHUNK_SIZE)
            .setHeadersFactory(VERTX_HEADERS).setTrailersFactory(VERTX_HEADERS);
        ch.pipeline().addLast("decoder", new H1ResponseDecoder(decoding, H1Connection.this));
        ch.pipeline().addLast("encoder", new HttpRequestEncoder());
        ch.pipeline().addLast("gatehouse-upstream", H1Connection.this);
      }
    };
  }

  /** Starts an exchange on this connection (taken from the pool, or just connected). */
  H1Exchange begin(ContextInternal context, HttpMethod method, String uri, MultiMap headers, EndpointState endpoint) {
    pooled = false;
    lastExchange = false;
    H1Exchange exchange = new H1Exchange(this, context, method, uri, headers, endpoint);
    current = exchange;
    return exchange;
  }

  /** Whether it can carry another exchange: open, and not idle past its keep-alive. */
  boolean reusable(long nowNanos) {
    return channel.isActive() && nowNanos - expiresNanos < 0;
  }

  void close() {
    channel.close();
  }

  @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
    H1Exchange exchange = current;
    if (exchange == null) {
      // Nothing was asked: bytes on an idle connection (or after a response we gave up on) cannot be trusted.
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    exchange.context.dispatch(msg, this);
  }

  @Override public void channelReadComplete(ChannelHandlerContext ctx) {
    H1Exchange exchange = current;
    if (exchange != null && exchange.holding()) {
      exchange.context.dispatch(READ_COMPLETE, this);
    }
    ctx.fireChannelReadComplete();
  }

  /** What the upstream sent for the current exchange (or {@link #READ_COMPLETE}), on its context. */
  @Override public void handle(Object msg) {
    H1Exchange exchange = current;
    if (exchange == null) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg == READ_COMPLETE) {
      exchange.readComplete();
      return;
    }
    if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
      ReferenceCountUtil.release(msg);
      abort(exchange, new VertxException("invalid response from upstream: " + object.decoderResult().cause().getMessage(), true));
      return;
    }
    if (msg instanceof HttpResponse head) {
      int status = head.status().code();
      if (status < 200 && status != 101) {
        informational = true;
      } else if (status == 101) {
        // Only an upgrade may be answered with 101, and upgrades do not come this way.
        ReferenceCountUtil.release(msg);
        abort(exchange, new VertxException("upstream switched protocols for a request that asked no upgrade", true));
        return;
      } else {
        readKeepAlive(head);
        exchange.head(head);
      }
    }
    if (msg instanceof HttpContent content) {
      if (informational) {
        content.release();
        informational = !(content instanceof LastHttpContent);
        return;
      }
      if (content instanceof LastHttpContent last) {
        exchange.content(last, true);
        responseDone(exchange);
      } else {
        exchange.content(content, false);
      }
    }
  }

  private void readKeepAlive(HttpResponse head) {
    keepAliveNanos = MAX_KEEP_ALIVE_NANOS; // each answer says it anew
    if (!HttpUtil.isKeepAlive(head)) {
      lastExchange = true;
      return;
    }
    String keepAlive = head.headers().get(HttpHeaderNames.KEEP_ALIVE);
    if (keepAlive != null) {
      int at = keepAlive.indexOf("timeout=");
      if (at >= 0) {
        int end = at + 8;
        while (end < keepAlive.length() && Character.isDigit(keepAlive.charAt(end))) {
          end++;
        }
        if (end > at + 8 && end - at - 8 < 6) {
          long seconds = Long.parseLong(keepAlive, at + 8, end, 10);
          keepAliveNanos = Math.min(TimeUnit.SECONDS.toNanos(seconds), MAX_KEEP_ALIVE_NANOS);
        }
      }
    }
  }

  /** Ends {@code exchange} with {@code cause} and closes the connection, which cannot carry another. */
  void abort(H1Exchange exchange, Throwable cause) {
    current = null;
    exchange.fail(cause);
    channel.close();
  }

  /** The response is all in: the connection goes back to the pool once the request is all out. */
  private void responseDone(H1Exchange exchange) {
    if (exchange.requestEnded()) {
      exchangeDone(exchange);
    } else {
      // The upstream answered before it had the whole request: what it did with the rest is unknown.
      current = null;
      channel.close();
    }
  }

  /** The request is all out: the connection goes back to the pool if the response was all in. */
  void requestEnded(H1Exchange exchange) {
    if (exchange.responseEnded()) {
      exchangeDone(exchange);
    }
  }

  /** {@code exchange} is given up before its head was sent: the connection carries the next one. */
  void unused(H1Exchange exchange) {
    exchangeDone(exchange);
  }

  private void exchangeDone(H1Exchange exchange) {
    if (current != exchange) {
      return;
    }
    current = null;
    if (!channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
    }
    if (lastExchange || !channel.isActive()) {
      channel.close();
    } else {
      expiresNanos = System.nanoTime() + keepAliveNanos;
      loop.release(this);
    }
  }

  @Override public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    H1Exchange exchange = current;
    if (exchange != null && ctx.channel().isWritable()) {
      exchange.context.dispatch(exchange, H1Exchange::drained);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override public void channelInactive(ChannelHandlerContext ctx) {
    H1Exchange exchange = current;
    current = null;
    if (exchange != null) {
      exchange.context.dispatch(new HttpClosedException("Connection was closed"), exchange::fail);
    }
    loop.closed(this, pooled);
    pooled = false;
    ctx.fireChannelInactive();
  }

  @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    H1Exchange exchange = current;
    current = null;
    if (exchange != null) {
      exchange.context.dispatch(cause, exchange::fail);
    }
    ctx.close();
  }
}
