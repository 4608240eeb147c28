package io.gatehouse.gateway.egress;

import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.GatewayMetrics;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.proxy.BoundListener;
import io.gatehouse.gateway.proxy.Dataplane;
import io.gatehouse.gateway.proxy.Ingress;
import io.gatehouse.certs.ListenerTlsSetup;
import io.gatehouse.certs.TlsServerOptions;
import io.gatehouse.routes.Listener;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Clock;
import java.time.Duration;

/**
 * One EGRESS listener on one event loop: an HTTP/1.1 server taking forward-proxy requests
 * (absolute-form), CONNECT tunnels and redirected origin-form requests on the same port; over
 * TLS when the listener has a {@code tls} block (then client certificates can be identities).
 */
public final class EgressVerticle extends VerticleBase implements BoundListener {
  private final Listener config;
  private volatile ListenerTlsSetup tls;
  private final Dataplane dataplane;
  private final EgressClients clients;
  private final GatewayMetrics metrics;
  private final TunnelMetrics tunnels;
  private final AccessLog accessLog;
  private final Duration drainTimeout;
  private HttpServer server;

  /** {@code tls} null: clients speak plain HTTP to the proxy; else TLS, with client certificates as configured. */
  public EgressVerticle(Listener config, ListenerTlsSetup tls, Dataplane dataplane, EgressClients clients, GatewayMetrics metrics,
                        TunnelMetrics tunnels, AccessLog accessLog, Duration drainTimeout) {
    this.config = config;
    this.tls = tls;
    this.dataplane = dataplane;
    this.clients = clients;
    this.metrics = metrics;
    this.tunnels = tunnels;
    this.accessLog = accessLog;
    this.drainTimeout = drainTimeout;
  }

  @Override public Future<?> start() {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.address())
        .setPort(config.port())
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        .setTcpNoDelay(true)
        .setStrictThreadMode(true); // no cross-thread write queue per connection: see ListenerOptions
    if (tls != null) {
      TlsServerOptions.apply(options, config.tls(), tls.store(), tls.engine());
      // HTTP/1.1 only: CONNECT tunnels are HTTP/1.1 upgrades of the connection.
      options.setUseAlpn(false);
    }
    return vertx.createHttpServer(options)
        .requestHandler(new Ingress(dataplane, config, metrics, accessLog, Clock.systemUTC(),
            new EgressStage(vertx, config, clients, tunnels)))
        .listen()
        .onSuccess(s -> server = s);
  }

  @Override public Future<?> stop() {
    return shutdown(drainTimeout);
  }

  @Override public Future<Void> updateTls(ListenerTlsSetup next) {
    if (server == null || tls == null || !tls.differs(next)) {
      return Future.succeededFuture();
    }
    tls = next;
    return next.applyTo(server, config.tls());
  }

  @Override public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override public Future<Void> shutdown(Duration timeout) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeout);
  }
}
