package io.gatehouse.gateway.tcp;

import io.gatehouse.routes.Listener;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.net.NetSocket;

/**
 * Two sockets spliced into one byte stream both ways, with back-pressure (a side whose peer
 * cannot keep up is paused), the bytes counted each way, and the listener's limits: closed after
 * the idle timeout without a byte either way, or at the maximum duration. Both sockets must be on
 * the caller's event loop; it ends when either side closes, and then closes the other.
 *
 * <p>A WebSocket tunnel ({@link #spliceWebSocket}) ends the way WebSocket users expect when the
 * gateway ends it (idle timeout, maximum duration, the end of a drain): with a close frame
 * 1001 "going away" to each side, put between two frames ({@link WebSocketFrames}), then the
 * sockets close once both sides answered or {@link #CLOSE_WAIT_MILLIS} passed. A drain does not
 * close it at once: it keeps flowing until the drain's timeout is nearly over.
 */
public final class Tunnel {
  /** How a tunnel ended: bytes each way and why ({@code closed}, {@code idle_timeout}, {@code max_duration}, {@code drain_timeout}, {@code error}). */
  public record Result(long bytesFromClient, long bytesToClient, String end) {}

  /** How long a WebSocket close handshake the gateway started may take before the sockets close anyway. */
  static final long CLOSE_WAIT_MILLIS = 1_000;

  private final Vertx vertx;
  private final NetSocket client;
  private final NetSocket upstream;
  private final Listener.Tunnels limits;
  private final Promise<Result> done = Promise.promise();
  /** Frame boundaries each way, for a WebSocket tunnel; null for a byte tunnel. */
  private final WebSocketFrames fromClientFrames;
  private final WebSocketFrames fromUpstreamFrames;
  private long fromClient;
  private long toClient;
  private long lastActivity = System.nanoTime();
  private long idleTimer = -1;
  private long maxTimer = -1;
  /** Why the gateway is closing a WebSocket tunnel; null while it is not. */
  private String goingAway;
  private boolean closeSentToClient;
  private boolean closeSentToUpstream;

  private Tunnel(Vertx vertx, NetSocket client, NetSocket upstream, Listener.Tunnels limits, boolean webSocket) {
    this.vertx = vertx;
    this.client = client;
    this.upstream = upstream;
    this.limits = limits;
    this.fromClientFrames = webSocket ? new WebSocketFrames() : null;
    this.fromUpstreamFrames = webSocket ? new WebSocketFrames() : null;
  }

  /**
   * Starts relaying: {@code first} (bytes already read from the client, possibly empty) goes upstream
   * first. Completes, never fails, when the tunnel has ended.
   */
  public static Future<Result> splice(Vertx vertx, NetSocket client, NetSocket upstream, Buffer first, Listener.Tunnels limits) {
    Tunnel t = new Tunnel(vertx, client, upstream, limits, false);
    t.start(first);
    return t.done.future();
  }

  /**
   * Starts relaying a WebSocket connection after its handshake (101): as {@link #splice}, but the
   * gateway's own closes are WebSocket closes (1001), and a drain of the client's listener
   * ({@code client}'s shutdown) closes it only shortly before the drain's timeout.
   */
  public static Future<Result> spliceWebSocket(Vertx vertx, NetSocket client, NetSocket upstream, Listener.Tunnels limits) {
    Tunnel t = new Tunnel(vertx, client, upstream, limits, true);
    client.shutdownHandler(timeout -> {
      long millis = timeout.toMillis();
      long at = millis - Math.min(CLOSE_WAIT_MILLIS, millis / 2);
      vertx.setTimer(Math.max(1, at), id -> t.end("drain_timeout"));
    });
    t.start(Buffer.buffer());
    return t.done.future();
  }

  private void start(Buffer first) {
    if (first.length() > 0) {
      fromClient += first.length();
      upstream.write(first);
    }
    relay(client, upstream, true);
    relay(upstream, client, false);
    client.closeHandler(v -> finish(goingAway != null ? goingAway : "closed"));
    upstream.closeHandler(v -> finish(goingAway != null ? goingAway : "closed"));
    client.exceptionHandler(this::failed);
    upstream.exceptionHandler(this::failed);
    long idle = limits.idleTimeout().toMillis();
    if (idle > 0) {
      idleTimer = vertx.setTimer(idle, id -> checkIdle());
    }
    long max = limits.maxDuration().toMillis();
    if (max > 0) {
      maxTimer = vertx.setTimer(max, id -> end("max_duration"));
    }
    client.resume();
    upstream.resume();
  }

  /** A socket reported a failure; the peer closing its connection is reported so too, and is a close. */
  private void failed(Throwable e) {
    if (e instanceof HttpClosedException) {
      finish(goingAway != null ? goingAway : "closed");
    } else {
      finish("error");
    }
  }

  private void relay(NetSocket from, NetSocket to, boolean clientToUpstream) {
    WebSocketFrames frames = clientToUpstream ? fromClientFrames : fromUpstreamFrames;
    from.handler(bytes -> {
      lastActivity = System.nanoTime();
      if (clientToUpstream) {
        fromClient += bytes.length();
      } else {
        toClient += bytes.length();
      }
      if (goingAway != null) {
        closing(bytes, to, clientToUpstream);
        return;
      }
      if (frames != null) {
        frames.scan(bytes, 0);
      }
      to.write(bytes);
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
  }

  private void checkIdle() {
    long idle = limits.idleTimeout().toMillis();
    long quiet = (System.nanoTime() - lastActivity) / 1_000_000;
    if (quiet >= idle) {
      end("idle_timeout");
    } else if (!done.future().isComplete()) {
      idleTimer = vertx.setTimer(idle - quiet, id -> checkIdle());
    }
  }

  /** The gateway ends the tunnel: a byte tunnel closes; a WebSocket one says "going away" both ways first. */
  private void end(String why) {
    if (done.future().isComplete() || goingAway != null) {
      return;
    }
    if (fromClientFrames == null) {
      finish(why);
      return;
    }
    goingAway = why;
    // A side that already sent its close gets no second one; its peer's answer ends the handshake.
    closeSentToUpstream = fromClientFrames.closeSeen();
    closeSentToClient = fromUpstreamFrames.closeSeen();
    if (!closeSentToUpstream && fromClientFrames.atBoundary()) {
      sendClose(true);
    }
    if (!closeSentToClient && fromUpstreamFrames.atBoundary()) {
      sendClose(false);
    }
    vertx.setTimer(CLOSE_WAIT_MILLIS, id -> finish(why));
    client.resume();
    upstream.resume();
    closedBothWays();
  }

  /**
   * Bytes that arrive while the gateway closes a WebSocket tunnel: the rest of the frame in
   * progress goes on, then the gateway's close; after it nothing more is relayed, and the peer's
   * own close frame (its answer) is only noted.
   */
  private void closing(Buffer bytes, NetSocket to, boolean clientToUpstream) {
    WebSocketFrames frames = clientToUpstream ? fromClientFrames : fromUpstreamFrames;
    boolean sent = clientToUpstream ? closeSentToUpstream : closeSentToClient;
    int from = 0;
    if (!sent) {
      int end = frames.untilBoundary(bytes, 0);
      if (end < 0) {
        to.write(bytes);
        return;
      }
      if (end > 0) {
        to.write(bytes.slice(0, end));
      }
      sendClose(clientToUpstream);
      from = end;
    }
    frames.scan(bytes, from);
    closedBothWays();
  }

  private void sendClose(boolean toUpstream) {
    if (toUpstream) {
      closeSentToUpstream = true;
      upstream.write(WebSocketFrames.goingAway(true));
    } else {
      closeSentToClient = true;
      client.write(WebSocketFrames.goingAway(false));
    }
  }

  /** Once each side has had the gateway's close and answered with its own, the handshake is over. */
  private void closedBothWays() {
    if (closeSentToClient && closeSentToUpstream && fromClientFrames.closeSeen() && fromUpstreamFrames.closeSeen()) {
      finish(goingAway);
    }
  }

  private void finish(String end) {
    if (done.future().isComplete()) {
      return;
    }
    vertx.cancelTimer(idleTimer);
    vertx.cancelTimer(maxTimer);
    client.shutdownHandler(null); // with a shutdown handler, close() would only call it
    client.close();
    upstream.close();
    done.complete(new Result(fromClient, toClient, end));
  }
}
