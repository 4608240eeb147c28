package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Route;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Gateway API {@code TCPRoute}s (v1alpha2) attached to a TCP listener of this gateway become one
 * route each, named {@code tcproute.<ns>.<name>}, bound to those listeners: every connection goes
 * to its first rule's {@code backendRefs} by weight. A TCP listener takes one route; a TCPRoute
 * whose listeners another route already took is an error, reported on it.
 */
final class TcpRoutes {
  private final Catalog catalog;
  private final HttpRoutes httpRoutes;

  TcpRoutes(Catalog catalog, HttpRoutes httpRoutes) {
    this.catalog = catalog;
    this.httpRoutes = httpRoutes;
  }

  void routes(RouteSet routes, Report report) {
    java.util.Map<String, String> owners = new java.util.HashMap<>();
    for (MeshResource r : catalog.of(Kinds.TCP_ROUTE)) {
      Tree spec = r.spec();
      List<GatewayApi.GatewayListener> attached = httpRoutes.attached(r);
      if (attached.isEmpty()) {
        continue;
      }
      report.run(r, scope -> {
        scope.unknownKeys(spec, Set.of("parentRefs", "rules"));
        Optional<Action> action = httpRoutes.onlyRuleForward(scope, spec, "TCPRoute");
        if (action.isEmpty()) {
          return;
        }
        String name = "tcproute." + r.namespace() + "." + r.name();
        List<String> listeners = HttpRoutes.listenerNames(attached);
        for (String l : listeners) {
          String owner = owners.get(l);
          if (owner != null) {
            scope.error(spec.get("parentRefs"), "TCP listener " + l + " already forwards to " + owner
                + " (a TCP listener takes one route)");
          }
        }
        if (scope.failed()) {
          return;
        }
        listeners.forEach(l -> owners.put(l, name));
        routes.add(r.id(), List.of(Route.builder(name, action.get()).timeout(Route.NO_TIMEOUT).retries(RetryPolicy.NONE)
            .listeners(listeners).build()));
      });
    }
  }
}
