package io.gatehouse.perf.bare;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Minimal Netty-direct HTTP/1.1 keep-alive reverse proxy: {@code HttpServerCodec} -> a handler
 * that passes Netty's own {@code HttpRequest} (headers edited in place: hop-by-hop out) and body
 * {@code HttpContent}s to a keep-alive upstream channel ({@code HttpClientCodec}) taken from a
 * pool of the event loop the client connection runs on; the upstream's {@code HttpResponse} and
 * {@code HttpContent}s go back the same way. No copies of heads or bodies (the ByteBufs are passed
 * through), writes flushed once per read batch, back-pressure from channel writability. One
 * request at a time per client connection (no pipelining), no forwarding headers: the request
 * path of a gateway built straight on Netty, with nothing of the gateway on it. Measurement only.
 *
 * <p>{@code NettyProxyMain PORT BACKEND_HOST BACKEND_PORT}
 */
public final class NettyProxyMain {
  /** Idle upstream channels, per event loop (each only touched by its own loop). */
  private static final FastThreadLocal<ArrayDeque<Channel>> POOL = new FastThreadLocal<>() {
    @Override protected ArrayDeque<Channel> initialValue() {
      return new ArrayDeque<>();
    }
  };

  private NettyProxyMain() {}

  public static void main(String[] args) throws InterruptedException {
    int[] p = Common.ports(args, "NettyProxyMain");
    int port = p[0];
    InetSocketAddress backend = new InetSocketAddress(args[1], p[1]);
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("netty-proxy-loop"), io);
    Bootstrap upstream = new Bootstrap()
        .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .remoteAddress(backend)
        .handler(new ChannelInitializer<Channel>() {
          @Override protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new Back());
          }
        });
    Class<? extends ServerChannel> server = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    new ServerBootstrap().group(group).channel(server)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new Front(upstream));
          }
        })
        .bind("127.0.0.1", port).sync();
    System.out.println("nativeTransport=" + epoll + (epoll ? "" : " cause=" + Epoll.unavailabilityCause()));
    System.out.println("NettyProxyMain listening on 127.0.0.1:" + port + " -> " + backend);
  }

  /** Removes the hop-by-hop headers (RFC 9110 §7.6.1), keeping Transfer-Encoding: the codec frames the body by it. */
  static void stripHopByHop(HttpHeaders headers) {
    String connection = headers.get(HttpHeaderNames.CONNECTION);
    if (connection != null) {
      for (String token : connection.split(",")) {
        String name = token.trim();
        if (!name.isEmpty() && !"close".equalsIgnoreCase(name) && !"keep-alive".equalsIgnoreCase(name)) {
          headers.remove(name);
        }
      }
      headers.remove(HttpHeaderNames.CONNECTION);
    }
    headers.remove(HttpHeaderNames.KEEP_ALIVE);
    headers.remove(HttpHeaderNames.PROXY_CONNECTION);
    headers.remove(HttpHeaderNames.TE);
    headers.remove(HttpHeaderNames.TRAILER);
    headers.remove(HttpHeaderNames.UPGRADE);
  }

  /** A client connection: forwards its current request to the upstream channel it holds. */
  static final class Front extends ChannelInboundHandlerAdapter {
    private final Bootstrap upstream;
    private Channel client;
    private Channel back;
    /** Messages that arrived while the upstream channel was connecting. */
    private List<Object> pending;
    private boolean keepAlive = true;

    Front(Bootstrap upstream) {
      this.upstream = upstream;
    }

    @Override public void channelActive(ChannelHandlerContext ctx) {
      client = ctx.channel();
      ctx.fireChannelActive();
    }

    @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest request) {
        keepAlive = HttpUtil.isKeepAlive(request);
        stripHopByHop(request.headers());
        acquire(ctx.channel().eventLoop());
      }
      if (back == null) {
        ReferenceCountUtil.release(msg); // a body with no request (the request failed): drop it
      } else if (pending != null) {
        pending.add(msg);
      } else {
        back.write(msg, back.voidPromise());
      }
    }

    @Override public void channelReadComplete(ChannelHandlerContext ctx) {
      if (back != null && pending == null) {
        back.flush();
      }
    }

    private void acquire(EventLoop loop) {
      ArrayDeque<Channel> idle = POOL.get();
      Channel ch;
      while ((ch = idle.pollLast()) != null) {
        if (ch.isActive()) {
          attach(ch);
          return;
        }
      }
      pending = new ArrayList<>(2);
      ChannelFuture connect = upstream.clone(loop).connect();
      Channel connecting = connect.channel();
      back = connecting;
      connect.addListener((ChannelFutureListener) f -> {
        List<Object> queued = pending;
        pending = null;
        if (!f.isSuccess()) {
          queued.forEach(ReferenceCountUtil::release);
          back = null;
          client.close();
          return;
        }
        attach(connecting);
        for (Object m : queued) {
          connecting.write(m, connecting.voidPromise());
        }
        connecting.flush();
      });
    }

    private void attach(Channel ch) {
      back = ch;
      ch.pipeline().get(Back.class).front = this;
      // back-pressure both ways: each side reads only while the other can take more
      client.config().setAutoRead(ch.isWritable());
      ch.config().setAutoRead(client.isWritable());
    }

    /** The upstream's response is complete: its channel goes back to the loop's pool. */
    void responseDone(Channel ch) {
      back = null;
      ch.pipeline().get(Back.class).front = null;
      client.config().setAutoRead(true);
      ch.config().setAutoRead(true);
      POOL.get().addLast(ch);
      if (!keepAlive) {
        client.close();
      }
    }

    @Override public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (back != null && pending == null) {
        back.config().setAutoRead(ctx.channel().isWritable());
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override public void channelInactive(ChannelHandlerContext ctx) {
      if (back != null) {
        back.close(); // mid-exchange: the upstream connection cannot be reused
        back = null;
      }
      ctx.fireChannelInactive();
    }

    @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** An upstream channel: passes its response to the client connection that holds it. */
  static final class Back extends ChannelInboundHandlerAdapter {
    Front front;

    @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Front owner = front;
      if (owner == null) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpResponse response) {
        stripHopByHop(response.headers());
        if (!owner.keepAlive) {
          HttpUtil.setKeepAlive(response, false);
        }
      }
      if (msg instanceof LastHttpContent) {
        owner.client.writeAndFlush(msg, owner.client.voidPromise());
        owner.responseDone(ctx.channel());
      } else {
        owner.client.write(msg, owner.client.voidPromise());
      }
    }

    @Override public void channelReadComplete(ChannelHandlerContext ctx) {
      Front owner = front;
      if (owner != null) {
        owner.client.flush();
      }
    }

    @Override public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      Front owner = front;
      if (owner != null) {
        owner.client.config().setAutoRead(ctx.channel().isWritable());
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override public void channelInactive(ChannelHandlerContext ctx) {
      POOL.get().remove(ctx.channel());
      Front owner = front;
      if (owner != null) {
        owner.back = null;
        owner.client.close(); // the upstream went away mid-exchange
      }
      ctx.fireChannelInactive();
    }

    @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
