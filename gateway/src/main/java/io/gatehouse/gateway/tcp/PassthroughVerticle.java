package io.gatehouse.gateway.tcp;

import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.proxy.BoundListener;
import io.gatehouse.routes.Listener;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One TLS_PASSTHROUGH listener on one event loop: reads each connection's ClientHello SNI without
 * terminating TLS, asks its {@link SniRouter} where the connection goes (a route's backend, or an
 * allowed egress destination), holds it to the listener's {@code maxActive} tunnels, connects,
 * and splices the raw stream through a {@link Tunnel} (idle timeout, maximum duration, bytes
 * counted). The client's TLS goes through untouched. No SNI, a refused destination or anything
 * but TLS is closed, logged and counted ({@code gatehouse.passthrough.connections} by outcome).
 */
public final class PassthroughVerticle extends VerticleBase implements BoundListener {
  /** How long a client has to send its ClientHello. */
  static final long HELLO_TIMEOUT_MILLIS = 10_000;

  private final Listener config;
  private final SniRouter router;
  private final TunnelMetrics metrics;
  private final AccessLog accessLog;
  private final Duration drainTimeout;
  private NetServer server;

  public PassthroughVerticle(Listener config, SniRouter router, TunnelMetrics metrics, AccessLog accessLog,
                             Duration drainTimeout) {
    this.config = config;
    this.router = router;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.drainTimeout = drainTimeout;
  }

  @Override public Future<?> start() {
    router.start(vertx);
    return vertx.createNetServer(new NetServerOptions().setHost(config.address()).setPort(config.port()).setTcpNoDelay(true))
        .connectHandler(this::accept)
        .listen()
        .onSuccess(s -> server = s);
  }

  private void accept(NetSocket socket) {
    TunnelLine line = new TunnelLine(config.name());
    ClientHellos.read(vertx, socket, HELLO_TIMEOUT_MILLIS).onComplete(ar -> {
      if (ar.succeeded()) {
        route(socket, ar.result(), line);
      } else if (ar.cause() instanceof ClientHellos.NoHello no) {
        refuse(socket, line, new SniRouter.Refused(no.outcome(), no.getMessage(), ""));
      }
    });
  }

  private void route(NetSocket socket, ClientHellos.Hello hello, TunnelLine line) {
    Future<SniRouter.Destination> chosen;
    try {
      chosen = router.route(hello.serverName(), socket, line);
    } catch (RuntimeException e) {
      chosen = Future.failedFuture(e);
    }
    chosen.onComplete(ar -> {
      if (ar.failed()) {
        refuse(socket, line, ar.cause() instanceof SniRouter.Refused r ? r
            : new SniRouter.Refused("error", String.valueOf(ar.cause().getMessage()), line.rule()));
        return;
      }
      connect(socket, hello, ar.result(), line);
    });
  }

  private void connect(NetSocket socket, ClientHellos.Hello hello, SniRouter.Destination destination, TunnelLine line) {
    AtomicLong active = metrics.active(config.name());
    if (active.incrementAndGet() > config.tunnels().maxActive()) {
      active.decrementAndGet();
      refuse(socket, line, new SniRouter.Refused(router.limitOutcome(), config.tunnels().maxActive() + " tunnels open", line.rule()));
      return;
    }
    destination.connect(line).onComplete(ar -> {
      if (ar.failed()) {
        destination.finished();
        active.decrementAndGet();
        refuse(socket, line, new SniRouter.Refused("upstream_connect_failure", String.valueOf(ar.cause().getMessage()), line.rule()));
        return;
      }
      if (hello.clientClosed().getAsBoolean()) {
        ar.result().close();
        destination.finished();
        active.decrementAndGet();
        refuse(socket, line, new SniRouter.Refused("closed", "the client left while the destination was connecting", line.rule()));
        return;
      }
      count("routed", line.rule());
      metrics.opened(line.destination());
      Tunnel.splice(vertx, socket, ar.result(), hello.bytes(), config.tunnels()).onComplete(done -> {
        destination.finished();
        active.decrementAndGet();
        Tunnel.Result r = done.result();
        metrics.ended(config.name(), line.destination(), r.bytesFromClient(), r.bytesToClient());
        accessLog.write(line.entry(socket, 200, r.bytesFromClient(), r.bytesToClient(),
            r.end().equals("closed") ? "" : "tunnel_" + r.end()));
      });
    });
  }

  private void refuse(NetSocket socket, TunnelLine line, SniRouter.Refused refused) {
    count(refused.outcome(), refused.rule());
    socket.close();
    String detail = refused.getMessage() == null || refused.getMessage().isEmpty() ? "" : ": " + refused.getMessage();
    String rule = refused.rule().isEmpty() ? "" : " (rule " + refused.rule() + ")";
    accessLog.write(line.entry(socket, 0, 0, 0, refused.outcome() + detail + rule));
  }

  private void count(String outcome, String rule) {
    metrics.passthrough(config.name(), outcome);
    router.counted(outcome, rule);
  }

  @Override public Future<?> stop() {
    return shutdown(drainTimeout).compose(v -> router.close());
  }

  @Override public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override public Future<Void> shutdown(Duration timeout) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeout);
  }
}
