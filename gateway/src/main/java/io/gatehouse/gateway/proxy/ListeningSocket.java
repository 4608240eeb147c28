package io.gatehouse.gateway.proxy;

import io.netty.channel.Channel;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The listening socket under a Vert.x {@link HttpServer}, so a drain can close it before anything
 * else. {@code HttpServer.shutdown} stops accepting and closes idle connections in one step, and
 * a connection the kernel accepted in that instant, its request already in the socket buffer,
 * was closed unread: the client got a reset (and Netty logged "Failed to register an accepted
 * channel"). Closing the socket first, then giving what was accepted a moment to deliver its
 * request, leaves no such connection. Vert.x 5.1 has no public handle on the socket, so this
 * reaches it by reflection; if that ever fails, the drain falls back to Vert.x's own order.
 */
final class ListeningSocket {
  private static final Logger LOG = Logger.getLogger(ListeningSocket.class.getName());

  private ListeningSocket() {}

  /**
   * Puts {@code limit} on the socket {@code server} accepts on (shared by a listener's instances:
   * the last one installed wins, so a reload's new limit takes over); false if it cannot.
   */
  static boolean limit(HttpServer server, AcceptLimit limit) {
    Optional<Channel> channel = find(server);
    if (channel.isEmpty()) {
      return false;
    }
    io.netty.channel.ChannelPipeline pipeline = channel.get().pipeline();
    synchronized (pipeline) {
      if (pipeline.get(AcceptLimit.NAME) != null) {
        pipeline.replace(AcceptLimit.NAME, AcceptLimit.NAME, limit);
      } else {
        pipeline.addFirst(AcceptLimit.NAME, limit);
      }
    }
    return true;
  }

  /** Closes the socket {@code server} accepts on (shared by a listener's instances); completes when closed. */
  static Future<Void> close(HttpServer server) {
    Optional<Channel> channel = find(server);
    if (channel.isEmpty()) {
      return Future.succeededFuture();
    }
    return Future.future(p -> channel.get().close().addListener(f -> p.complete()));
  }

  private static Optional<Channel> find(HttpServer server) {
    try {
      Object http = server;
      Field wrapped = field(http.getClass(), "server");
      if (wrapped != null) {
        http = wrapped.get(http); // CleanableHttpServer wraps the TCP-based server
      }
      Method tcpServer = http.getClass().getMethod("tcpServer");
      Object tcp = tcpServer.invoke(http);
      Field actual = field(tcp.getClass(), "actualServer");
      Object main = actual == null ? tcp : actual.get(tcp);
      Field bind = field(main.getClass(), "bindFuture");
      if (bind == null || !(bind.get(main) instanceof Future<?> bound) || !(bound.result() instanceof Channel ch)) {
        return Optional.empty();
      }
      return Optional.of(ch);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warning(() -> "cannot reach the listening socket of " + server.getClass().getName()
          + " (" + e + "); a drain stops accepting and closes idle connections in one step");
      return Optional.empty();
    }
  }

  /** The field {@code name} declared by {@code type} or a superclass, made accessible; null if none. */
  private static Field field(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
      } catch (NoSuchFieldException e) {
        // try the superclass
      }
    }
    return null;
  }
}
