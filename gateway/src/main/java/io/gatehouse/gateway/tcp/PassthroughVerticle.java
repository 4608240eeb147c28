package io.gatehouse.gateway.tcp;

import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.proxy.BoundListener;
import io.gatehouse.gateway.proxy.Dataplane;
import io.gatehouse.gateway.proxy.Snapshot;
import io.gatehouse.gateway.upstream.EndpointState;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.table.Hosts;
import io.gatehouse.routes.table.RequestView;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One TLS_PASSTHROUGH listener on one event loop: reads each connection's ClientHello SNI without
 * terminating TLS, picks the route for that host (exact, then wildcard, as HTTP routes), and
 * splices the raw stream to an endpoint of one of the route's backends (by weight). The
 * upstream's own {@code tls} settings do not apply: the client's TLS goes through untouched. No SNI, an unknown SNI or
 * anything but TLS is closed and counted ({@code gatehouse.passthrough.connections} by outcome).
 */
public final class PassthroughVerticle extends VerticleBase implements BoundListener {
  /** How long a client has to send its ClientHello. */
  static final long HELLO_TIMEOUT_MILLIS = 10_000;

  private final Listener config;
  private final Dataplane dataplane;
  private final TunnelMetrics metrics;
  private final AccessLog accessLog;
  private final Duration drainTimeout;
  private NetServer server;
  private NetClient client;

  public PassthroughVerticle(Listener config, Dataplane dataplane, TunnelMetrics metrics, AccessLog accessLog, Duration drainTimeout) {
    this.config = config;
    this.dataplane = dataplane;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.drainTimeout = drainTimeout;
  }

  @Override public Future<?> start() {
    client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5_000).setTcpNoDelay(true));
    return vertx.createNetServer(new NetServerOptions().setHost(config.address()).setPort(config.port()).setTcpNoDelay(true))
        .connectHandler(this::accept)
        .listen()
        .onSuccess(s -> server = s);
  }

  private void accept(NetSocket socket) {
    long start = System.currentTimeMillis();
    long startNanos = System.nanoTime();
    ClientHellos.read(vertx, socket, HELLO_TIMEOUT_MILLIS).onComplete(ar -> {
      if (ar.succeeded()) {
        route(socket, ar.result(), start, startNanos);
      } else if (ar.cause() instanceof ClientHellos.NoHello no) {
        reject(socket, start, startNanos, "", no.outcome());
      }
    });
  }

  private void route(NetSocket socket, ClientHellos.Hello hello, long start, long startNanos) {
    Snapshot snapshot = dataplane.current();
    String host = Hosts.normalise(hello.serverName());
    Route route = snapshot.passthrough(config.name()).match(new SniView(host));
    if (route == null || !(route.action() instanceof Action.Forward forward) || forward.backends().isEmpty()) {
      reject(socket, start, startNanos, host, "unknown_sni");
      return;
    }
    UpstreamClient upstream = snapshot.upstreams().get(pick(forward.backends()).upstream());
    EndpointState endpoint = upstream == null ? null : upstream.select(null, null);
    if (endpoint == null) {
      reject(socket, start, startNanos, host, "no_endpoint");
      return;
    }
    AtomicLong active = metrics.active(config.name());
    if (active.incrementAndGet() > config.tunnels().maxActive()) {
      active.decrementAndGet();
      reject(socket, start, startNanos, host, "tunnel_limit");
      return;
    }
    endpoint.started();
    client.connect(endpoint.address()).onComplete(ar -> {
      if (ar.failed()) {
        endpoint.finished();
        active.decrementAndGet();
        reject(socket, start, startNanos, host, "upstream_connect_failure");
        return;
      }
      if (hello.clientClosed().getAsBoolean()) {
        ar.result().close();
        endpoint.finished();
        active.decrementAndGet();
        reject(socket, start, startNanos, host, "closed");
        return;
      }
      metrics.passthrough(config.name(), "routed");
      metrics.opened(upstream.name());
      Tunnel.splice(vertx, socket, ar.result(), hello.bytes(), config.tunnels()).onComplete(done -> {
        endpoint.finished();
        active.decrementAndGet();
        Tunnel.Result r = done.result();
        metrics.ended(config.name(), upstream.name(), r.bytesFromClient(), r.bytesToClient());
        log(socket, start, startNanos, host, route.name(), upstream.name(), endpoint.label(), r.bytesFromClient(),
            r.bytesToClient(), r.end().equals("closed") ? "" : "tunnel_" + r.end());
      });
    });
  }

  /** A backend chosen by weight, as HTTP routes choose. */
  private static Action.Backend pick(java.util.List<Action.Backend> backends) {
    int total = 0;
    for (Action.Backend b : backends) {
      total += b.weight();
    }
    if (total <= 0) {
      return backends.get(0);
    }
    int r = java.util.concurrent.ThreadLocalRandom.current().nextInt(total);
    for (Action.Backend b : backends) {
      r -= b.weight();
      if (r < 0) {
        return b;
      }
    }
    return backends.get(backends.size() - 1);
  }

  private void reject(NetSocket socket, long start, long startNanos, String host, String outcome) {
    metrics.passthrough(config.name(), outcome);
    socket.close();
    log(socket, start, startNanos, host, "", "", "", 0, 0, outcome);
  }

  private void log(NetSocket socket, long start, long startNanos, String host, String route, String upstream, String endpoint,
                   long in, long out, String failure) {
    String client = socket.remoteAddress() == null ? "" : socket.remoteAddress().hostAddress();
    accessLog.write(new io.gatehouse.gateway.observe.AccessLog.Entry(start, "", client, config.name(), host, "", "", "TLS",
        route, upstream, endpoint, failure.isEmpty() ? 200 : 0, in, out, (System.nanoTime() - startNanos) / 1_000, 1, failure));
  }

  /** What a route sees of a passthrough connection: its SNI as the host, an empty GET of {@code /}. */
  private record SniView(String host) implements RequestView {
    @Override public String method() {
      return "GET";
    }

    @Override public String path() {
      return "/";
    }

    @Override public String header(String name) {
      return null;
    }

    @Override public String query(String name) {
      return null;
    }
  }

  @Override public Future<?> stop() {
    return shutdown(drainTimeout).compose(v -> client == null ? Future.succeededFuture() : client.close());
  }

  @Override public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override public Future<Void> shutdown(Duration timeout) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeout);
  }
}
