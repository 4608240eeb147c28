package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.auth.Guard;
import io.gatehouse.gateway.filter.HeaderFilter;
import io.gatehouse.gateway.filter.RewriteFilter;
import io.gatehouse.gateway.filter.RouteFilters;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Route;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the stage a route's match entry runs: authentication and authorization first (the
 * {@link Guard}, as DESIGN.md's edge contract says), then its filters in the fixed order (fault, rate limit,
 * CORS, body size, then headers, rewrite, and mirror last so the copy is the request as sent)
 * around the route's end: a forwarder, a redirect or a direct response. Built once per snapshot.
 */
final class Pipelines {
  private final Vertx vertx;
  private final Map<String, UpstreamClient> upstreams;
  private final RouteFilters policies;
  private final Guard guard;
  private final TunnelMetrics tunnels;

  Pipelines(Vertx vertx, Map<String, UpstreamClient> upstreams, RouteFilters policies, Guard guard, TunnelMetrics tunnels) {
    this.vertx = vertx;
    this.tunnels = tunnels;
    this.upstreams = upstreams;
    this.policies = policies;
    this.guard = guard;
  }

  Stage build(Route route, RequestMatch match) {
    List<Filter> filters = new ArrayList<>();
    if (!guard.isNone()) {
      filters.add(guard.filter());
    }
    filters.addAll(policies.before(route, translatesGrpcWeb(route)));
    if (!route.headers().request().isEmpty() || !route.headers().response().isEmpty()) {
      filters.add(new HeaderFilter(route.headers()));
    }
    if (!RewriteFilter.isNoop(route.rewrite())) {
      filters.add(RewriteFilter.of(route.rewrite(), match));
    }
    UpstreamClient mirror = route.mirror().enabled() ? upstreams.get(route.mirror().upstream()) : null;
    if (mirror != null && route.action() instanceof Action.Forward) {
      filters.add(policies.mirror(route, mirror));
    }
    if (route.compression().enabled()) {
      io.gatehouse.routes.Compression compression = route.compression();
      filters.add(next -> ex -> {
        ex.compression(new ResponseCompression(compression, ex.request().getHeader("accept-encoding")));
        return next.handle(ex);
      });
    }
    Stage stage = end(route);
    for (int i = filters.size() - 1; i >= 0; i--) {
      stage = filters.get(i).wrap(stage);
    }
    Stage chain = stage;
    String name = route.name();
    return ex -> {
      ex.route(name);
      return chain.handle(ex);
    };
  }

  /** Whether gRPC-web requests on {@code route} can be translated: it allows it and a backend speaks HTTP2. */
  private boolean translatesGrpcWeb(Route route) {
    return route.grpcWeb() && route.action() instanceof Action.Forward forward && forward.backends().stream()
        .map(b -> upstreams.get(b.upstream()))
        .anyMatch(u -> u != null && u.config().protocol() == io.gatehouse.routes.Upstream.Protocol.HTTP2);
  }

  private Stage end(Route route) {
    Action action = route.action();
    if (action instanceof Action.Redirect redirect) {
      return new Redirector(redirect);
    }
    if (action instanceof Action.DirectResponse direct) {
      return new DirectResponder(direct);
    }
    Action.Forward forward = (Action.Forward) action;
    if (forward.backends().isEmpty()) {
      // Only translated config has such a route (native YAML needs a backend): Envoy's cluster_not_found.
      String detail = "route " + route.name() + " has no cluster it can serve";
      return ex -> io.vertx.core.Future.failedFuture(new GatewayException(Reason.CLUSTER_NOT_FOUND, detail));
    }
    Optional<StickySessions> sticky = route.stickySession().enabled()
        ? Optional.of(new StickySessions(route.stickySession(), policies.sessionCookies())) : Optional.empty();
    return new Forwarder(vertx, Backends.of(forward.backends(), upstreams), route.retries(), route.timeout(), tunnels,
        sticky, route.grpcWeb());
  }

  /** What requests no route takes get: 404 with reason route_not_found. */
  static Stage noRoute() {
    return ex -> io.vertx.core.Future.failedFuture(new GatewayException(Reason.ROUTE_NOT_FOUND));
  }
}
