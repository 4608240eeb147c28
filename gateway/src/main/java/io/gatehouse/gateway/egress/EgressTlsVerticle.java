package io.gatehouse.gateway.egress;

import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.proxy.BoundListener;
import io.gatehouse.gateway.proxy.Dataplane;
import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.tcp.ClientHellos;
import io.gatehouse.gateway.tcp.Tunnel;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.egress.AllowList;
import io.gatehouse.routes.egress.Client;
import io.gatehouse.routes.egress.Decision;
import io.gatehouse.routes.egress.Target;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One egress passthrough listener (TLS_PASSTHROUGH with {@code egressPort}) on one event loop:
 * raw TLS, redirected by the mesh, goes to the host its ClientHello names, on {@code egressPort},
 * when the egress allow-list allows that host and port; it is never terminated. The same checks
 * as a CONNECT apply: normalised name, entry, one resolution, every address outside the denied
 * ranges, tunnel limits. A refused connection is closed, logged and counted.
 */
public final class EgressTlsVerticle extends VerticleBase implements BoundListener {
  static final long HELLO_TIMEOUT_MILLIS = 10_000;

  private final Listener config;
  private final Dataplane dataplane;
  private final EgressClients clients;
  private final TunnelMetrics metrics;
  private final AccessLog accessLog;
  private final Duration drainTimeout;
  private NetServer server;

  public EgressTlsVerticle(Listener config, Dataplane dataplane, EgressClients clients, TunnelMetrics metrics,
                           AccessLog accessLog, Duration drainTimeout) {
    this.config = config;
    this.dataplane = dataplane;
    this.clients = clients;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.drainTimeout = drainTimeout;
  }

  @Override public Future<?> start() {
    return vertx.createNetServer(new NetServerOptions().setHost(config.address()).setPort(config.port()).setTcpNoDelay(true))
        .connectHandler(this::accept)
        .listen()
        .onSuccess(s -> server = s);
  }

  /** One connection's facts, for its log line. */
  private static final class Line {
    final long start = System.currentTimeMillis();
    final long startNanos = System.nanoTime();
    String host = "";
    String rule = "";
    String endpoint = "";
  }

  private void accept(NetSocket socket) {
    Line line = new Line();
    ClientHellos.read(vertx, socket, HELLO_TIMEOUT_MILLIS).onComplete(ar -> {
      if (ar.succeeded()) {
        admit(socket, ar.result(), line);
      } else if (ar.cause() instanceof ClientHellos.NoHello no) {
        refuse(socket, line, no.outcome(), "", no.getMessage());
      }
    });
  }

  private void admit(NetSocket socket, ClientHellos.Hello hello, Line line) {
    AllowList allow = dataplane.current().egress();
    Target target = Target.parse(hello.serverName());
    int port = config.egressPort();
    Client client = Client.of(clientAddress(socket));
    line.host = hello.serverName() + ":" + port;
    Decision decision = allow.check(target, port, client);
    line.rule = decision.rule();
    if (!decision.allowed()) {
      refuse(socket, line, Denials.reason(decision.verdict()).word(), decision.rule(), line.host);
      return;
    }
    CheckedAddress.of(clients.resolver(), allow, decision, target, port, client).onComplete(checked -> {
      if (checked.failed()) {
        if (checked.cause() instanceof CheckedAddress.Refused refused) {
          refuse(socket, line, Denials.reason(refused.decision().verdict()).word(), refused.decision().rule(), refused.getMessage());
        } else {
          refuse(socket, line, GatewayException.of(checked.cause()).reason().word(), decision.rule(), checked.cause().getMessage());
        }
        return;
      }
      connect(socket, hello, checked.result(), port, line);
    });
  }

  private void connect(NetSocket socket, ClientHellos.Hello hello, java.util.List<InetAddress> addresses, int port, Line line) {
    AtomicLong active = metrics.active(config.name());
    if (active.incrementAndGet() > config.tunnels().maxActive()) {
      active.decrementAndGet();
      refuse(socket, line, "egress_tunnel_limit", line.rule, config.tunnels().maxActive() + " tunnels open");
      return;
    }
    CheckedAddress.firstAccepting(addresses, port, address -> {
      line.endpoint = address.toString();
      return clients.tcp().connect(address);
    }).onComplete(ar -> {
      if (ar.failed()) {
        active.decrementAndGet();
        refuse(socket, line, "upstream_connect_failure", line.rule, ar.cause().getMessage());
        return;
      }
      if (hello.clientClosed().getAsBoolean()) {
        ar.result().close();
        active.decrementAndGet();
        log(socket, line, 0, 0, 0, "closed: the client left while the destination was connecting");
        return;
      }
      metrics.egress(line.rule, true, "allowed");
      metrics.passthrough(config.name(), "routed");
      metrics.opened(line.rule);
      Tunnel.splice(vertx, socket, ar.result(), hello.bytes(), config.tunnels()).onComplete(done -> {
        active.decrementAndGet();
        Tunnel.Result r = done.result();
        metrics.ended(config.name(), line.rule, r.bytesFromClient(), r.bytesToClient());
        log(socket, line, 200, r.bytesFromClient(), r.bytesToClient(), r.end().equals("closed") ? "" : "tunnel_" + r.end());
      });
    });
  }

  private void refuse(NetSocket socket, Line line, String reason, String rule, String detail) {
    if (reason.startsWith("egress_")) {
      metrics.egress(rule, false, reason);
    }
    metrics.passthrough(config.name(), reason);
    socket.close();
    log(socket, line, 0, 0, 0, reason + ": " + detail + (rule.isEmpty() ? "" : " (rule " + rule + ")"));
  }

  private void log(NetSocket socket, Line line, int status, long in, long out, String failure) {
    String client = socket.remoteAddress() == null ? "" : socket.remoteAddress().hostAddress();
    accessLog.write(new AccessLog.Entry(line.start, "", client, config.name(), line.host, "", "", "TLS", line.rule, "egress",
        line.endpoint, status, in, out, (System.nanoTime() - line.startNanos) / 1_000, 1, failure));
  }

  private static InetAddress clientAddress(NetSocket socket) {
    SocketAddress remote = socket.remoteAddress();
    try {
      return InetAddress.getByName(remote == null || remote.hostAddress() == null ? "0.0.0.0" : remote.hostAddress());
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override public Future<?> stop() {
    return shutdown(drainTimeout);
  }

  @Override public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override public Future<Void> shutdown(Duration timeout) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeout);
  }
}
