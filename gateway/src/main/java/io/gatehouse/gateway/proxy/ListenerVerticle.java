package io.gatehouse.gateway.proxy;

import io.gatehouse.certs.ListenerTlsSetup;
import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.GatewayMetrics;
import io.gatehouse.gateway.observe.PolicyMetrics;
import io.gatehouse.routes.Listener;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.http1.Http1ServerConnection;
import io.gatehouse.certs.TlsServerOptions;
import java.time.Clock;
import java.time.Duration;

/**
 * One HTTP or HTTPS listener on one event loop. A listener is deployed as one instance per event loop,
 * all bound to the same port (Vert.x spreads accepted connections over them), so each
 * connection lives on a single thread and the data path takes no locks.
 */
final class ListenerVerticle extends VerticleBase implements BoundListener {
  private final Listener config;
  private final Dataplane dataplane;
  private final GatewayMetrics metrics;
  private final AccessLog accessLog;
  private final Duration drainTimeout;
  private volatile ListenerTlsSetup tls;
  private HttpServer server;
  private ConnectionGuard guard;

  ListenerVerticle(Listener config, ListenerTlsSetup tls, Dataplane dataplane, GatewayMetrics metrics, AccessLog accessLog,
                   Duration drainTimeout) {
    this.config = config;
    this.tls = tls;
    this.dataplane = dataplane;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.drainTimeout = drainTimeout;
  }

  @Override public Future<?> start() {
    HttpServerOptions options = ListenerOptions.of(config)
        .setHttp2ClearTextEnabled(true)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        .setTcpNoDelay(true);
    if (tls != null) {
      TlsServerOptions.apply(options, config.tls(), tls.store(), tls.engine());
      if (config.tls().meshClients()) {
        options.setTrustOptions(io.vertx.core.net.TrustOptions.wrap(dataplane.identities().clientTrust()));
      }
    }
    PolicyMetrics limits = new PolicyMetrics(metrics.registry());
    guard = new ConnectionGuard(config.name(), config.limits(), metrics.connections(config.name()), limits, accessLog,
        dataplane::draining, drainTimeout);
    Edge edge = Edge.of(config, tls == null ? null : () -> tls.store());
    Ingress ingress = new Ingress(dataplane, config, edge, metrics, accessLog, Clock.systemUTC());
    // HTTP/2 streams; an HTTP/1.x connection gets its own handlers below, which know its head timer.
    return vertx.createHttpServer(options)
        .requestHandler(request -> ingress.handle(request, guard.headReceived(request, null)))
        .invalidRequestHandler(request -> ingress.invalid(request, limits, guard.headReceived(request, null)))
        .connectionHandler(connection -> {
          HeadTimer timer = guard.accept(connection);
          if (connection instanceof Http1ServerConnection http1) {
            VersionGate.install(http1, request -> ingress.handle(request, guard.headReceived(request, timer)), ingress);
            // a head, if a bad one: the 400 (or 414, 431) is the answer
            http1.invalidRequestHandler(request -> ingress.invalid(request, limits, guard.headReceived(request, timer)));
          }
        })
        .listen()
        .onSuccess(s -> {
          server = s;
          guard.countedAtAccept(ListeningSocket.limit(s, guard.acceptLimit(tls == null)));
        });
  }

  /** Graceful: stop accepting, let open requests finish (HTTP/2 gets GOAWAY) within the drain timeout. */
  @Override public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown(drainTimeout);
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

  @Override public Future<Void> startDrain() {
    if (guard == null) {
      return Future.succeededFuture();
    }
    return Future.future(p -> context.runOnContext(v -> {
      guard.goAway();
      p.complete();
    }));
  }

  @Override public Future<Void> stopAccepting() {
    return server == null ? Future.succeededFuture() : ListeningSocket.close(server);
  }

  @Override public Future<Void> shutdown(Duration timeout) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeout);
  }
}
