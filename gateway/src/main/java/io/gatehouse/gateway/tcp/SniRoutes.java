package io.gatehouse.gateway.tcp;

import io.gatehouse.gateway.proxy.Backends;
import io.gatehouse.gateway.proxy.Dataplane;
import io.gatehouse.gateway.proxy.Snapshot;
import io.gatehouse.gateway.upstream.EndpointState;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.table.Hosts;
import io.gatehouse.routes.table.RequestView;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

/**
 * The destination of a passthrough connection by route: the route for its SNI (exact host, then
 * wildcard, as HTTP routes), one of the route's backends by weight (as HTTP routes pick), an
 * endpoint from that upstream's balancer. The upstream's own {@code tls} settings do not apply.
 */
public final class SniRoutes implements SniRouter {
  private final Dataplane dataplane;
  private final String listener;
  private NetClient client;

  /** Routes the connections of {@code listener} by the routes bound to it. */
  public SniRoutes(Dataplane dataplane, String listener) {
    this.dataplane = dataplane;
    this.listener = listener;
  }

  @Override public void start(Vertx vertx) {
    client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5_000).setTcpNoDelay(true));
  }

  @Override public Future<Destination> route(String serverName, NetSocket socket, TunnelLine line) {
    Snapshot snapshot = dataplane.current();
    String host = Hosts.normalise(serverName);
    line.host(host);
    Route route = snapshot.passthrough(listener).match(new SniView(host));
    if (route == null || !(route.action() instanceof Action.Forward forward) || forward.backends().isEmpty()) {
      return Future.failedFuture(new Refused("unknown_sni", "", ""));
    }
    line.route(route.name());
    UpstreamClient upstream = Backends.of(forward.backends(), snapshot.upstreams()).pick();
    EndpointState endpoint = upstream == null ? null : upstream.select(null, null);
    if (endpoint == null) {
      return Future.failedFuture(new Refused("no_endpoint", "", ""));
    }
    line.upstream(upstream.name());
    line.destination(upstream.name());
    return Future.succeededFuture(new Destination() {
      @Override public Future<NetSocket> connect(TunnelLine line) {
        line.endpoint(endpoint.label());
        endpoint.started();
        return client.connect(endpoint.address());
      }

      @Override public void finished() {
        endpoint.finished();
      }
    });
  }

  @Override public Future<Void> close() {
    return client == null ? Future.succeededFuture() : client.close();
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
}
