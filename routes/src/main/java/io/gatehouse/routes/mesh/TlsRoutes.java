package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.HeaderOps;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Rewrite;
import io.gatehouse.routes.Route;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Gateway API {@code TLSRoute}s (v1alpha2) attached to a TLS Passthrough listener of this gateway
 * become one route each, named {@code tlsroute.<ns>.<name>}: its {@code hostnames} matched against
 * the SNI, its first rule's {@code backendRefs} receiving the raw TLS stream.
 */
final class TlsRoutes {
  private final Catalog catalog;
  private final HttpRoutes httpRoutes;

  TlsRoutes(Catalog catalog, HttpRoutes httpRoutes) {
    this.catalog = catalog;
    this.httpRoutes = httpRoutes;
  }

  void routes(RouteSet routes, Report report) {
    for (MeshResource r : catalog.of(Kinds.TLS_ROUTE)) {
      Tree spec = r.spec();
      List<GatewayApi.GatewayListener> attached = httpRoutes.attached(r);
      if (attached.isEmpty()) {
        continue;
      }
      report.run(r, scope -> {
        scope.unknownKeys(spec, Set.of("parentRefs", "hostnames", "rules"));
        List<String> hosts = httpRoutes.hostnames(scope, spec, attached);
        Optional<Action> action = httpRoutes.onlyRuleForward(scope, spec, "TLSRoute");
        if (action.isEmpty() || hosts.isEmpty()) {
          return;
        }
        List<Route> out = List.of(new Route("tlsroute." + r.namespace() + "." + r.name(), hosts,
            List.of(RequestMatch.ANY), action.get(), Rewrite.NONE, HeaderOps.NONE, Duration.ZERO, RetryPolicy.NONE)
            .onListeners(HttpRoutes.listenerNames(attached)));
        routes.checkConflicts(scope, spec.get("hostnames"), out);
        if (!scope.failed()) {
          routes.add(r.id(), out);
        }
      });
    }
  }
}
