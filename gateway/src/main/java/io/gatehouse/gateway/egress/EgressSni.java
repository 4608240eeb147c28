package io.gatehouse.gateway.egress;

import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.proxy.Dataplane;
import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.tcp.SniRouter;
import io.gatehouse.gateway.tcp.TunnelLine;
import io.gatehouse.routes.egress.AllowList;
import io.gatehouse.routes.egress.Client;
import io.gatehouse.routes.egress.Decision;
import io.gatehouse.routes.egress.Target;
import io.vertx.core.Future;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The destination of an egress passthrough connection (TLS_PASSTHROUGH with {@code egressPort}):
 * raw TLS, redirected by the mesh, goes to the host its ClientHello names, on {@code egressPort},
 * when the egress allow-list allows that host and port. The same checks as a CONNECT apply:
 * normalised name, entry, one resolution, every address outside the denied ranges; each
 * decision is counted in {@code gatehouse.egress.requests}.
 */
public final class EgressSni implements SniRouter {
  private final Dataplane dataplane;
  private final EgressClients clients;
  private final TunnelMetrics metrics;
  private final int port;

  public EgressSni(Dataplane dataplane, EgressClients clients, TunnelMetrics metrics, int egressPort) {
    this.dataplane = dataplane;
    this.clients = clients;
    this.metrics = metrics;
    this.port = egressPort;
  }

  @Override public Future<SniRouter.Destination> route(String serverName, NetSocket socket, TunnelLine line) {
    AllowList allow = dataplane.current().egress();
    Target target = Target.parse(serverName);
    Client client = Client.of(clientAddress(socket));
    String host = serverName + ":" + port;
    line.host(host);
    line.upstream("egress");
    Decision decision = allow.check(target, port, client);
    line.rule(decision.rule());
    line.destination(decision.rule());
    if (!decision.allowed()) {
      return Future.failedFuture(new Refused(Denials.reason(decision.verdict()).word(), host, decision.rule()));
    }
    return CheckedAddress.of(clients.resolver(), allow, decision, target, port, client).transform(checked -> {
      if (checked.failed()) {
        if (checked.cause() instanceof CheckedAddress.Refused refused) {
          return Future.failedFuture(new Refused(Denials.reason(refused.decision().verdict()).word(), refused.getMessage(),
              refused.decision().rule()));
        }
        return Future.failedFuture(new Refused(GatewayException.of(checked.cause()).reason().word(),
            checked.cause().getMessage(), decision.rule()));
      }
      List<InetAddress> addresses = checked.result();
      return Future.<SniRouter.Destination>succeededFuture(connecting -> CheckedAddress.firstAccepting(addresses, port, address -> {
        connecting.endpoint(address.toString());
        return clients.tcp().connect(address);
      }));
    });
  }

  @Override public String limitOutcome() {
    return "egress_tunnel_limit";
  }

  @Override public void counted(String outcome, String rule) {
    if (outcome.equals("routed")) {
      metrics.egress(rule, true, "allowed");
    } else if (outcome.startsWith("egress_")) {
      metrics.egress(rule, false, outcome);
    }
  }

  private static InetAddress clientAddress(NetSocket socket) {
    SocketAddress remote = socket.remoteAddress();
    try {
      return InetAddress.getByName(remote == null || remote.hostAddress() == null ? "0.0.0.0" : remote.hostAddress());
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
