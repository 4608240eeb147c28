package io.gatehouse.gateway.tcp;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Reads a connection's TLS ClientHello without consuming it: the socket is read until
 * {@link SniPeek} has a result, then paused, and the bytes read are handed back to be forwarded
 * first. The socket's close handler stays set to note a close, until the caller replaces it. Fails with a {@link NoHello} naming why there is no usable server name.
 */
public final class ClientHellos {
  private ClientHellos() {}

  /**
   * A ClientHello's server name (lowercase), every byte read to find it, and whether the client has
   * closed since (checked before splicing: a socket closed while the upstream connects sends no
   * further close event).
   */
  public record Hello(String serverName, Buffer bytes, BooleanSupplier clientClosed) {}

  /** Why a connection has no usable ClientHello: {@code no_sni}, {@code not_tls}, {@code hello_timeout}, {@code closed}. */
  public static final class NoHello extends RuntimeException {
    private final String outcome;

    NoHello(String outcome, String detail) {
      super(detail, null, false, false);
      this.outcome = outcome;
    }

    public String outcome() {
      return outcome;
    }
  }

  /** Reads {@code socket} (paused or not) until its ClientHello is complete; the socket is paused when this completes. */
  public static Future<Hello> read(Vertx vertx, NetSocket socket, long timeoutMillis) {
    Promise<Hello> promise = Promise.promise();
    SniPeek peek = new SniPeek();
    Buffer seen = Buffer.buffer();
    long timer = vertx.setTimer(timeoutMillis, id -> promise.tryFail(new NoHello("hello_timeout", "no ClientHello within " + timeoutMillis + "ms")));
    AtomicBoolean closed = new AtomicBoolean();
    socket.closeHandler(v -> {
      closed.set(true);
      promise.tryFail(new NoHello("closed", "closed before its ClientHello"));
    });
    socket.handler(bytes -> {
      seen.appendBuffer(bytes);
      SniPeek.Result result = peek.offer(bytes);
      if (result instanceof SniPeek.Result.NeedMore) {
        return;
      }
      socket.pause();
      if (result instanceof SniPeek.Result.Found found && !found.serverName().isEmpty()) {
        promise.tryComplete(new Hello(found.serverName(), seen, closed::get));
      } else if (result instanceof SniPeek.Result.Found) {
        promise.tryFail(new NoHello("no_sni", "no SNI"));
      } else {
        promise.tryFail(new NoHello("not_tls", "not a TLS ClientHello"));
      }
    });
    socket.resume();
    return promise.future().onComplete(ar -> {
      vertx.cancelTimer(timer);
      peek.close();
      socket.handler(null);
      if (ar.failed()) {
        socket.pause();
      }
    });
  }
}
