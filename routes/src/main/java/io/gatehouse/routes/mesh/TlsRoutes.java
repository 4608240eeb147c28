package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Gateway API {@code TLSRoute}s (v1alpha2) attached to TLS listeners of this gateway become
 * routes named {@code tlsroute.<ns>.<name>}, their first rule's {@code backendRefs} by weight. On
 * a Passthrough listener its {@code hostnames} are matched against the SNI and the raw TLS stream
 * is forwarded. On a Terminate listener (a TCP listener behind TLS) the gateway ends TLS with the
 * listener's certificates and forwards the plaintext bytes: such a listener takes one route, like
 * a TCP one, and a TLSRoute whose Terminate listeners another already took is an error.
 */
final class TlsRoutes {
  private final Catalog catalog;
  private final HttpRoutes httpRoutes;

  TlsRoutes(Catalog catalog, HttpRoutes httpRoutes) {
    this.catalog = catalog;
    this.httpRoutes = httpRoutes;
  }

  void routes(RouteSet routes, Report report) {
    Map<String, String> terminateOwners = new HashMap<>();
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
        String name = "tlsroute." + r.namespace() + "." + r.name();
        List<GatewayApi.GatewayListener> passthrough = attached.stream().filter(l -> !l.terminatesTls()).toList();
        List<String> terminate = HttpRoutes.listenerNames(attached.stream().filter(GatewayApi.GatewayListener::terminatesTls).toList());
        List<Route> out = new ArrayList<>();
        if (!passthrough.isEmpty()) {
          out.add(route(name, hosts, action.get(), HttpRoutes.listenerNames(passthrough)));
        }
        if (!terminate.isEmpty()) {
          for (String l : terminate) {
            String owner = terminateOwners.get(l);
            if (owner != null) {
              scope.error(spec.get("parentRefs"), "TLS Terminate listener " + l + " already forwards to " + owner
                  + " (a listener that terminates TLS for TLSRoutes takes one route)");
            }
          }
          out.add(route(passthrough.isEmpty() ? name : name + ".terminate", hosts, action.get(), terminate));
        }
        routes.checkConflicts(scope, spec.get("hostnames"), out);
        if (!scope.failed()) {
          terminate.forEach(l -> terminateOwners.put(l, name));
          routes.add(r.id(), out);
        }
      });
    }
  }

  private static Route route(String name, List<String> hosts, Action action, List<String> listeners) {
    return Route.builder(name, action).hosts(hosts).timeout(Route.NO_TIMEOUT).retries(RetryPolicy.NONE)
        .listeners(listeners).build();
  }
}
