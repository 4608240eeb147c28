package io.gatehouse.routes.mesh;

import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The translated routes in order, checked for conflicts: a route whose hosts and match were all
 * taken by an earlier route from another resource would never be used (first match wins).
 */
final class RouteSet {
  private final List<Route> routes = new ArrayList<>();
  private final Map<String, String> owners = new HashMap<>();

  /** Reports, in {@code scope}, every route of {@code candidates} shadowed by another resource's route. */
  void checkConflicts(Scope scope, Tree at, List<Route> candidates) {
    for (Route route : candidates) {
      for (String host : route.hosts()) {
        for (RequestMatch match : route.match()) {
          String owner = owners.get(host + "\n" + match);
          if (owner != null && !owner.equals(scope.resource().id())) {
            scope.error(at, "host " + host + " with match " + describe(match) + " is already routed by " + owner
                + "; this route would never be used (conflicting routes)");
            return;
          }
        }
      }
    }
  }

  void add(String owner, List<Route> accepted) {
    for (Route route : accepted) {
      routes.add(route);
      for (String host : route.hosts()) {
        for (RequestMatch match : route.match()) {
          owners.putIfAbsent(host + "\n" + match, owner);
        }
      }
    }
  }

  int size() {
    return routes.size();
  }

  /** Orders the routes from index {@code from} on (one kind of resource); a stable sort keeps ties in order. */
  void sortFrom(int from, java.util.Comparator<Route> order) {
    routes.subList(from, routes.size()).sort(order);
  }

  List<Route> routes() {
    return List.copyOf(routes);
  }

  private static String describe(RequestMatch m) {
    StringBuilder out = new StringBuilder(m.path().toString());
    if (!m.methods().isEmpty()) {
      out.append(" methods ").append(m.methods());
    }
    if (!m.headers().isEmpty()) {
      out.append(" headers ").append(m.headers().keySet());
    }
    return out.toString();
  }
}
