package io.gatehouse.gateway.egress;

import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.proxy.Reason;
import io.gatehouse.gateway.proxy.Stage;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.egress.AllowList;
import io.gatehouse.routes.egress.Client;
import io.gatehouse.routes.egress.Decision;
import io.gatehouse.routes.egress.Target;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * What every request on an EGRESS listener runs, behind the same entry as an HTTP listener's
 * ({@link Ingress}: snapshot read once, request id, error reply, access log and metrics): find the
 * destination, check it against the allow-list, resolve it once and check every address, then
 * forward the request ({@link Forward}) or open the CONNECT tunnel ({@link ConnectTunnel}) to the
 * checked address. A denial is a 403 with {@code x-gatehouse-reason} and, when an entry or a
 * denied range decided it, {@code x-gatehouse-egress-rule}. Every decision is counted.
 */
final class EgressStage implements Stage {
  static final String RULE_HEADER = "x-gatehouse-egress-rule";

  private final Vertx vertx;
  private final Listener listener;
  private final EgressClients clients;
  private final TunnelMetrics metrics;
  private final boolean clientCerts;

  EgressStage(Vertx vertx, Listener listener, EgressClients clients, TunnelMetrics metrics) {
    this.vertx = vertx;
    this.listener = listener;
    this.clients = clients;
    this.metrics = metrics;
    // Only a listener that asks for client certificates has any: asking a TLS session that has none costs an exception.
    this.clientCerts = listener.tls().clientAuth() != ListenerTls.ClientAuth.NONE;
  }

  @Override public Future<Void> handle(Exchange ex) {
    ex.upstream("egress");
    HttpServerRequest request = ex.request();
    Destination d = Destination.of(request);
    ex.destination(d.label());
    if (!d.connect() && !ex.hasValidPath()) {
      String path = request.path();
      if (path != null && !path.isEmpty()) {
        return Future.failedFuture(new GatewayException(Reason.BAD_REQUEST, "request path is not origin-form"));
      }
      // "GET http://host" has an empty path, which is "/" (RFC 9112 §3.2.2).
      String query = request.query();
      ex.upstreamUri(query == null ? "/" : "/?" + query);
    }
    AllowList allow = ex.snapshot().egress();
    Client client = client(request, clientCerts);
    Decision decision = allow.check(d.target(), d.port(), client);
    ex.route(decision.rule());
    if (!decision.allowed()) {
      String why = d.target() instanceof Target.Invalid invalid ? invalid.why() : d.label();
      return deny(ex, decision, why);
    }
    // TLS origination: the app speaks plain HTTP to port 80; the gateway speaks TLS to 443 (Istio's pattern).
    int port = !d.connect() && decision.originateTls() && d.port() == Destination.HTTP_PORT ? 443 : d.port();
    return CheckedAddress.of(clients.resolver(), allow, decision, d.target(), port, client).transform(checked -> {
      if (checked.failed()) {
        if (checked.cause() instanceof CheckedAddress.Refused refused) {
          return deny(ex, refused.decision(), refused.getMessage());
        }
        metrics.egress(decision.rule(), false, Reason.EGRESS_DNS_FAILURE.word());
        return Future.failedFuture(checked.cause());
      }
      if (d.connect()) {
        return new ConnectTunnel(vertx, ex, d, decision, checked.result(), listener, clients, metrics).open();
      }
      metrics.egress(decision.rule(), true, "allowed");
      return Forward.send(ex, d, decision, checked.result(), port, clients, listener.tunnels().idleTimeout());
    });
  }

  /** Counts the denial and fails the request with its reason, naming the deciding entry or range. */
  private <T> Future<T> deny(Exchange ex, Decision decision, String detail) {
    Reason reason = Denials.reason(decision.verdict());
    metrics.egress(decision.rule(), false, reason.word());
    if (!decision.rule().isEmpty()) {
      ex.beforeResponse(head -> head.set(RULE_HEADER, decision.rule()));
    }
    return Future.failedFuture(new GatewayException(reason, detail + (decision.rule().isEmpty() ? "" : " (rule " + decision.rule() + ")")));
  }

  /** The client: its address (a literal from the socket, parsed, never looked up) and its certificate's identities. */
  private static Client client(HttpServerRequest request, boolean clientCerts) {
    SocketAddress remote = request.remoteAddress();
    InetAddress address;
    try {
      address = InetAddress.getByName(remote == null || remote.hostAddress() == null ? "0.0.0.0" : remote.hostAddress());
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
    return new Client(address, clientCerts && request.isSSL() ? ClientIdentities.of(request.connection()) : List.of());
  }
}
