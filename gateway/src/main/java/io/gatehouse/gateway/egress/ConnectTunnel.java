package io.gatehouse.gateway.egress;

import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.proxy.Reason;
import io.gatehouse.gateway.tcp.ClientHellos;
import io.gatehouse.gateway.tcp.Tunnel;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.egress.Decision;
import io.gatehouse.routes.egress.Target;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An allowed CONNECT: counted against the listener's tunnel limit, connected to the first checked
 * address that accepts (a failure is still an HTTP error), answered 200, then spliced. A tunnel to a name on one of
 * {@code verifySniPorts} (default 443) must open with a TLS ClientHello naming that host (case and trailing dot
 * aside), or both sides are closed before a byte goes upstream.
 */
final class ConnectTunnel {
  /** How long a client has, after the 200, to send its ClientHello when SNI is verified. */
  static final long SNI_TIMEOUT_MILLIS = 10_000;

  private final Vertx vertx;
  private final Exchange ex;
  private final Destination destination;
  private final Decision decision;
  private final List<InetAddress> addresses;
  private final Listener listener;
  private final EgressClients clients;
  private final TunnelMetrics metrics;

  ConnectTunnel(Vertx vertx, Exchange ex, Destination destination, Decision decision, List<InetAddress> addresses, Listener listener,
                EgressClients clients, TunnelMetrics metrics) {
    this.vertx = vertx;
    this.ex = ex;
    this.destination = destination;
    this.decision = decision;
    this.addresses = addresses;
    this.listener = listener;
    this.clients = clients;
    this.metrics = metrics;
  }

  Future<Void> open() {
    AtomicLong active = metrics.active(listener.name());
    if (active.incrementAndGet() > listener.tunnels().maxActive()) {
      active.decrementAndGet();
      metrics.egress(decision.rule(), false, Reason.EGRESS_TUNNEL_LIMIT.word());
      return Future.failedFuture(new GatewayException(Reason.EGRESS_TUNNEL_LIMIT,
          listener.tunnels().maxActive() + " tunnels open on " + listener.name()));
    }
    ex.attempted();
    Future<NetSocket> connecting = CheckedAddress.firstAccepting(addresses, destination.port(), server -> {
      ex.endpoint(server.toString());
      return clients.tcp().connect(server);
    });
    return connecting.transform(connected -> {
      if (connected.failed()) {
        active.decrementAndGet();
        return Future.failedFuture(GatewayException.connectFailure(destination.label(), connected.cause()));
      }
      NetSocket upstream = connected.result();
      upstream.pause();
      return ex.request().toNetSocket().transform(accepted -> {
        if (accepted.failed()) {
          upstream.close();
          active.decrementAndGet();
          return Future.failedFuture(new GatewayException(Reason.CLIENT_CLOSED, "CONNECT: " + accepted.cause().getMessage()));
        }
        ex.tunnelled(true);
        NetSocket client = accepted.result();
        client.pause();
        return first(client).transform(first -> {
          if (first.failed()) {
            if (first.cause() instanceof ClientHellos.NoHello no && no.outcome().equals("closed")) {
              ex.failure(Reason.CLIENT_CLOSED.word() + ": " + no.getMessage());
            } else {
              metrics.egress(decision.rule(), false, Reason.EGRESS_SNI_MISMATCH.word());
              ex.failure(Reason.EGRESS_SNI_MISMATCH.word() + ": " + first.cause().getMessage());
            }
            client.close();
            upstream.close();
            active.decrementAndGet();
            return Future.succeededFuture();
          }
          metrics.egress(decision.rule(), true, "allowed");
          metrics.opened(decision.rule());
          return Tunnel.splice(vertx, client, upstream, first.result(), listener.tunnels()).map(result -> {
            active.decrementAndGet();
            ex.tunnelBytes(result.bytesFromClient(), result.bytesToClient());
            metrics.ended(listener.name(), decision.rule(), result.bytesFromClient(), result.bytesToClient());
            if (!result.end().equals("closed")) {
              ex.failure("tunnel_" + result.end());
            }
            return null;
          });
        });
      });
    });
  }

  /** The bytes read before splicing: none, or the ClientHello once its SNI is verified. */
  private Future<Buffer> first(NetSocket client) {
    boolean verify = ex.snapshot().egress().config().verifySniPorts().contains(destination.port())
        && destination.target() instanceof Target.Name;
    if (!verify) {
      return Future.succeededFuture(Buffer.buffer());
    }
    return ClientHellos.read(vertx, client, SNI_TIMEOUT_MILLIS).compose(hello ->
        Target.parse(hello.serverName()).equals(destination.target()) ? Future.succeededFuture(hello.bytes())
            : Future.failedFuture(new IllegalStateException("SNI " + hello.serverName() + " is not " + destination.host())));
  }
}
