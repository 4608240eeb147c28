package io.gatehouse.gateway.egress;

import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.proxy.Dataplane;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.proxy.Reason;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.egress.AllowList;
import io.gatehouse.routes.egress.Client;
import io.gatehouse.routes.egress.Decision;
import io.gatehouse.routes.egress.Target;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.List;

/**
 * Where every request on an EGRESS listener starts: read the snapshot once, find the destination,
 * check it against the allow-list, resolve it once and check every address, then forward the
 * request ({@link Forward}) or open the CONNECT tunnel ({@link ConnectTunnel}) to the checked
 * address. A denial is a 403 with {@code x-gatehouse-reason} and, when an entry or a denied range
 * decided it, {@code x-gatehouse-egress-rule}. Every decision is counted and logged.
 */
final class EgressHandler implements Handler<HttpServerRequest> {
  static final String RULE_HEADER = "x-gatehouse-egress-rule";

  private final Vertx vertx;
  private final Dataplane dataplane;
  private final Listener listener;
  private final EgressClients clients;
  private final TunnelMetrics metrics;
  private final AccessLog accessLog;
  private final Clock clock;

  EgressHandler(Vertx vertx, Dataplane dataplane, Listener listener, EgressClients clients, TunnelMetrics metrics,
                AccessLog accessLog, Clock clock) {
    this.vertx = vertx;
    this.dataplane = dataplane;
    this.listener = listener;
    this.clients = clients;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.clock = clock;
  }

  /** What one request became, for the log: where it wanted to go and, for a tunnel, how it went. */
  static final class Outcome {
    String destination = "";
    boolean tunnelled;
    long bytesFromClient;
    long bytesToClient;
    String failure = "";
  }

  @Override public void handle(HttpServerRequest request) {
    request.pause();
    Exchange ex = Exchange.start(request, dataplane, listener.name(), clock);
    ex.upstream("egress");
    Outcome outcome = new Outcome();
    Future<Void> run;
    try {
      run = run(ex, outcome);
    } catch (RuntimeException e) {
      run = Future.failedFuture(e);
    }
    run.onComplete(ar -> {
      if (ar.failed()) {
        ex.fail(ar.cause());
      }
      if (!outcome.tunnelled && !request.isEnded()) {
        request.resume();
      }
      record(ex, outcome);
    });
  }

  private Future<Void> run(Exchange ex, Outcome outcome) {
    HttpServerRequest request = ex.request();
    Destination d = Destination.of(request);
    outcome.destination = d.label();
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
    Client client = client(request);
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
        return new ConnectTunnel(vertx, ex, d, decision, checked.result(), listener, clients, metrics, outcome).open();
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
  private static Client client(HttpServerRequest request) {
    SocketAddress remote = request.remoteAddress();
    InetAddress address;
    try {
      address = InetAddress.getByName(remote == null || remote.hostAddress() == null ? "0.0.0.0" : remote.hostAddress());
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
    return new Client(address, request.isSSL() ? ClientIdentities.of(request.connection()) : List.of());
  }

  private void record(Exchange ex, Outcome outcome) {
    HttpServerRequest request = ex.request();
    long nanos = System.nanoTime() - ex.startNanos();
    SocketAddress client = request.remoteAddress();
    String failure = !ex.failure().isEmpty() ? ex.failure() : outcome.failure;
    long in = outcome.tunnelled ? outcome.bytesFromClient : request.bytesRead();
    long out = outcome.tunnelled ? outcome.bytesToClient : request.response().bytesWritten();
    accessLog.write(new AccessLog.Entry(ex.startMillis(), ex.requestId(), client == null ? "" : client.hostAddress(),
        listener.name(), outcome.destination, request.method().name(), outcome.tunnelled ? "" : request.path(),
        "HTTP/1.1", ex.route(), ex.upstream(), ex.endpoint(), ex.status(), in, out, nanos / 1_000, 1, failure));
  }
}
