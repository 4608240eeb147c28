package io.gatehouse.perf.bare;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.impl.VertxHandler;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * Half of each: Vert.x's {@code HttpServer} in front, and behind it a keep-alive upstream channel
 * ({@code HttpClientCodec}, Netty alone) from a pool of the request's own event loop, as in
 * {@link NettyProxyMain}. The request head is copied from Vert.x's headers into Netty's
 * {@code HttpRequest}; the response head back into Vert.x's response, and each body chunk is copied
 * to the heap as Vert.x's own client does. With {@link PipedProxyMain} (Vert.x on both sides) and
 * {@link NettyProxyMain} (Netty on both) it tells how the cost above Netty splits between Vert.x's
 * server and its client. GET and requests with a Content-Length body; measurement only.
 *
 * <p>{@code HybridProxyMain PORT BACKEND_HOST BACKEND_PORT}
 */
public final class HybridProxyMain {
  private static final FastThreadLocal<ArrayDeque<Channel>> POOL = new FastThreadLocal<>() {
    @Override protected ArrayDeque<Channel> initialValue() {
      return new ArrayDeque<>();
    }
  };

  private HybridProxyMain() {}

  public static void main(String[] args) {
    int[] p = Common.ports(args, "HybridProxyMain");
    int port = p[0];
    InetSocketAddress backend = new InetSocketAddress(args[1], p[1]);
    Vertx vertx = Common.vertx();
    Bootstrap upstream = new Bootstrap()
        .channelFactory(() -> vertx.isNativeTransportEnabled()
            ? new io.netty.channel.epoll.EpollSocketChannel() : new io.netty.channel.socket.nio.NioSocketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .remoteAddress(backend)
        .handler(new ChannelInitializer<Channel>() {
          @Override protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new Back());
          }
        });
    vertx.deployVerticle(new VerticleBase() {
      @Override public Future<?> start() {
        return vertx.createHttpServer(Common.serverOptions(port))
            .requestHandler(req -> new Exchange(req, upstream).start())
            .listen();
      }
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        System.out.println("HybridProxyMain listening on 127.0.0.1:" + port + " -> " + backend);
      } else {
        ar.cause().printStackTrace();
        System.exit(1);
      }
    });
  }

  /** One request: its Vert.x side and the upstream channel it holds while the response streams. */
  static final class Exchange {
    final HttpServerRequest sreq;
    final HttpServerResponse sresp;
    final Bootstrap upstream;
    Channel back;

    Exchange(HttpServerRequest sreq, Bootstrap upstream) {
      this.sreq = sreq;
      this.sresp = sreq.response();
      this.upstream = upstream;
    }

    void start() {
      String length = sreq.getHeader(HttpHeaders.CONTENT_LENGTH);
      boolean body = length != null && !"0".equals(length);
      HttpMethod method = HttpMethod.valueOf(sreq.method().name());
      HttpRequest head = body ? new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, sreq.uri())
          : new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, sreq.uri());
      copy(sreq.headers(), head.headers());
      if (body) {
        sreq.pause();
      }
      EventLoop loop = ((ContextInternal) Vertx.currentContext()).nettyEventLoop();
      ArrayDeque<Channel> idle = POOL.get();
      Channel ch;
      while ((ch = idle.pollLast()) != null) {
        if (ch.isActive()) {
          send(ch, head, body);
          return;
        }
      }
      ChannelFuture connect = upstream.clone(loop).connect();
      connect.addListener((ChannelFutureListener) f -> {
        if (f.isSuccess()) {
          send(f.channel(), head, body);
        } else {
          ReferenceCountUtil.release(head);
          sresp.setStatusCode(502).end();
        }
      });
    }

    private void send(Channel ch, HttpRequest head, boolean body) {
      back = ch;
      ch.pipeline().get(Back.class).exchange = this;
      if (!body) {
        ch.writeAndFlush(head, ch.voidPromise());
        return;
      }
      ch.write(head, ch.voidPromise());
      sreq.handler(chunk -> ch.writeAndFlush(new DefaultHttpContent(((BufferInternal) chunk).getByteBuf()), ch.voidPromise()));
      sreq.endHandler(v -> ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise()));
      sreq.resume();
    }

    void response(Object msg) {
      if (msg instanceof HttpResponse r) {
        sresp.setStatusCode(r.status().code());
        MultiMap to = sresp.headers();
        for (Map.Entry<String, String> h : r.headers()) {
          if (!hopByHop(h.getKey())) {
            to.add(h.getKey(), h.getValue());
          }
        }
        if (!r.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
          sresp.setChunked(true);
        }
      }
      if (msg instanceof HttpContent c) {
        boolean last = msg instanceof LastHttpContent;
        if (c.content().isReadable()) {
          sresp.write(BufferInternal.buffer(VertxHandler.safeBuffer(c.content())));
        } else {
          c.release();
        }
        if (last) {
          Channel ch = back;
          back = null;
          ch.pipeline().get(Back.class).exchange = null;
          POOL.get().addLast(ch);
          sresp.end();
        }
      }
    }
  }

  private static void copy(MultiMap from, io.netty.handler.codec.http.HttpHeaders to) {
    for (Map.Entry<String, String> h : from) {
      if (!hopByHop(h.getKey())) {
        to.add(h.getKey(), h.getValue());
      }
    }
  }

  private static boolean hopByHop(String name) {
    return switch (name.toLowerCase(java.util.Locale.ROOT)) {
      case "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
           "te", "trailer", "transfer-encoding", "upgrade" -> true;
      default -> false;
    };
  }

  /** An upstream channel: passes its response to the exchange that holds it. */
  static final class Back extends ChannelInboundHandlerAdapter {
    Exchange exchange;

    @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Exchange owner = exchange;
      if (owner == null) {
        ReferenceCountUtil.release(msg);
      } else {
        owner.response(msg);
      }
    }

    @Override public void channelInactive(ChannelHandlerContext ctx) {
      POOL.get().remove(ctx.channel());
      Exchange owner = exchange;
      if (owner != null) {
        owner.sresp.reset();
      }
      ctx.fireChannelInactive();
    }

    @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
