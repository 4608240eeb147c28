package io.gatehouse.gateway.tcp;

import io.gatehouse.routes.Listener;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * Two sockets spliced into one byte stream both ways, with back-pressure (a side whose peer
 * cannot keep up is paused), the bytes counted each way, and the listener's limits: closed after
 * the idle timeout without a byte either way, or at the maximum duration. Both sockets must be on
 * the caller's event loop; it ends when either side closes, and then closes the other.
 */
public final class Tunnel {
  /** How a tunnel ended: bytes each way and why ({@code closed}, {@code idle_timeout}, {@code max_duration}, {@code error}). */
  public record Result(long bytesFromClient, long bytesToClient, String end) {}

  private final Vertx vertx;
  private final NetSocket client;
  private final NetSocket upstream;
  private final Listener.Tunnels limits;
  private final Promise<Result> done = Promise.promise();
  private long fromClient;
  private long toClient;
  private long lastActivity = System.nanoTime();
  private long idleTimer = -1;
  private long maxTimer = -1;

  private Tunnel(Vertx vertx, NetSocket client, NetSocket upstream, Listener.Tunnels limits) {
    this.vertx = vertx;
    this.client = client;
    this.upstream = upstream;
    this.limits = limits;
  }

  /**
   * Starts relaying: {@code first} (bytes already read from the client, possibly empty) goes upstream
   * first. Completes, never fails, when the tunnel has ended.
   */
  public static Future<Result> splice(Vertx vertx, NetSocket client, NetSocket upstream, Buffer first, Listener.Tunnels limits) {
    Tunnel t = new Tunnel(vertx, client, upstream, limits);
    t.start(first);
    return t.done.future();
  }

  private void start(Buffer first) {
    if (first.length() > 0) {
      fromClient += first.length();
      upstream.write(first);
    }
    relay(client, upstream, true);
    relay(upstream, client, false);
    client.closeHandler(v -> finish("closed"));
    upstream.closeHandler(v -> finish("closed"));
    client.exceptionHandler(e -> finish("error"));
    upstream.exceptionHandler(e -> finish("error"));
    long idle = limits.idleTimeout().toMillis();
    if (idle > 0) {
      idleTimer = vertx.setTimer(idle, id -> checkIdle());
    }
    long max = limits.maxDuration().toMillis();
    if (max > 0) {
      maxTimer = vertx.setTimer(max, id -> finish("max_duration"));
    }
    client.resume();
    upstream.resume();
  }

  private void relay(NetSocket from, NetSocket to, boolean clientToUpstream) {
    from.handler(bytes -> {
      lastActivity = System.nanoTime();
      if (clientToUpstream) {
        fromClient += bytes.length();
      } else {
        toClient += bytes.length();
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
      finish("idle_timeout");
    } else if (!done.future().isComplete()) {
      idleTimer = vertx.setTimer(idle - quiet, id -> checkIdle());
    }
  }

  private void finish(String end) {
    if (done.future().isComplete()) {
      return;
    }
    vertx.cancelTimer(idleTimer);
    vertx.cancelTimer(maxTimer);
    client.close();
    upstream.close();
    done.complete(new Result(fromClient, toClient, end));
  }
}
