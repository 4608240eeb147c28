package io.gatehouse.gateway.tcp;

import io.gatehouse.certs.ListenerTlsSetup;
import io.gatehouse.certs.TlsServerOptions;
import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.proxy.Backends;
import io.gatehouse.gateway.proxy.BoundListener;
import io.gatehouse.gateway.proxy.Dataplane;
import io.gatehouse.gateway.proxy.Snapshot;
import io.gatehouse.gateway.upstream.EndpointState;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.Route;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One TCP listener on one event loop (terminating TLS first when the listener has a {@code tls}
 * block: its certificates by SNI, and the plaintext is what is forwarded): each connection goes to the first route bound to the
 * listener by name ({@code listeners: [tcp]}), to an endpoint of one of its backends (by weight,
 * then the upstream's balancer), and its bytes are spliced both ways by a {@link Tunnel} with the
 * listener's {@code tunnels} limits (idle timeout, maximum duration, connections at once). Each
 * connection is counted ({@code gatehouse.tcp.connections} by outcome, the tunnel byte counters and
 * Istio's {@code istio_tcp_*}) and access-logged when it ends.
 */
public final class TcpVerticle extends VerticleBase implements BoundListener {
  private final Listener config;
  private final Dataplane dataplane;
  private final TunnelMetrics metrics;
  private final AccessLog accessLog;
  private final Duration drainTimeout;
  private volatile ListenerTlsSetup tls;
  private NetServer server;
  private NetClient client;

  /** {@code tls}: the certificates of a listener that terminates TLS; null for plain TCP. */
  public TcpVerticle(Listener config, ListenerTlsSetup tls, Dataplane dataplane, TunnelMetrics metrics, AccessLog accessLog,
                     Duration drainTimeout) {
    this.config = config;
    this.tls = tls;
    this.dataplane = dataplane;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.drainTimeout = drainTimeout;
  }

  @Override public Future<?> start() {
    client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5_000).setTcpNoDelay(true));
    NetServerOptions options = new NetServerOptions().setHost(config.address()).setPort(config.port()).setTcpNoDelay(true);
    if (tls != null) {
      // Vert.x hands over the socket once the handshake is done: a client that fails it never reaches accept.
      TlsServerOptions.applyTcp(options, config.tls(), tls.store(), tls.engine());
    }
    return vertx.createNetServer(options)
        .connectHandler(this::accept)
        .listen()
        .onSuccess(s -> server = s);
  }

  private void accept(NetSocket socket) {
    long start = System.currentTimeMillis();
    long startNanos = System.nanoTime();
    Snapshot snapshot = dataplane.current();
    Route route = snapshot.tcpRoute(config.name()).orElse(null);
    if (route == null || !(route.action() instanceof Action.Forward forward) || forward.backends().isEmpty()) {
      reject(socket, start, startNanos, "", "no_route");
      return;
    }
    UpstreamClient upstream = Backends.of(forward.backends(), snapshot.upstreams()).pick();
    EndpointState endpoint = upstream == null ? null : upstream.select(null, null);
    if (endpoint == null) {
      reject(socket, start, startNanos, route.name(), "no_endpoint");
      return;
    }
    AtomicLong active = metrics.active(config.name());
    if (active.incrementAndGet() > config.tunnels().maxActive()) {
      active.decrementAndGet();
      reject(socket, start, startNanos, route.name(), "connection_limit");
      return;
    }
    socket.pause();
    boolean[] clientClosed = new boolean[1]; // the tunnel takes over the close handler once connected
    socket.closeHandler(v -> clientClosed[0] = true);
    endpoint.started();
    client.connect(endpoint.address()).onComplete(ar -> {
      if (ar.failed() || clientClosed[0]) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        endpoint.finished();
        active.decrementAndGet();
        reject(socket, start, startNanos, route.name(), ar.failed() ? "upstream_connect_failure" : "closed");
        return;
      }
      metrics.tcp(config.name(), "routed");
      metrics.opened(upstream.name());
      Tunnel.splice(vertx, socket, ar.result(), Buffer.buffer(), config.tunnels()).onComplete(done -> {
        endpoint.finished();
        active.decrementAndGet();
        Tunnel.Result r = done.result();
        metrics.ended(config.name(), upstream.name(), r.bytesFromClient(), r.bytesToClient());
        log(socket, start, startNanos, route.name(), upstream.name(), endpoint.label(), r.bytesFromClient(),
            r.bytesToClient(), r.end().equals("closed") ? "" : "tunnel_" + r.end());
      });
    });
  }

  private void reject(NetSocket socket, long start, long startNanos, String route, String outcome) {
    metrics.tcp(config.name(), outcome);
    socket.close();
    log(socket, start, startNanos, route, "", "", 0, 0, outcome);
  }

  private void log(NetSocket socket, long start, long startNanos, String route, String upstream, String endpoint,
                   long in, long out, String failure) {
    String client = socket.remoteAddress() == null ? "" : socket.remoteAddress().hostAddress();
    accessLog.write(new AccessLog.Entry(start, "", client, config.name(), "", "", "", "TCP",
        route, upstream, endpoint, failure.isEmpty() ? 200 : 0, in, out, (System.nanoTime() - startNanos) / 1_000, 1, failure));
  }

  @Override public Future<?> stop() {
    return shutdown(drainTimeout).compose(v -> client == null ? Future.succeededFuture() : client.close());
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
