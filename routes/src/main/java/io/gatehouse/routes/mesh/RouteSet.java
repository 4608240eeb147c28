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
  private final Map<Key, String> owners = new HashMap<>();

  /** What one route takes on one listener ("" for a route on every listener). */
  private record Key(String host, RequestMatch match, String listener) {}

  /** Reports, in {@code scope}, every route of {@code candidates} shadowed by another resource's route. */
  void checkConflicts(Scope scope, Tree at, List<Route> candidates) {
    for (Route route : candidates) {
      for (Key key : keys(route)) {
        String owner = owners.get(key);
        if (owner != null && !owner.equals(scope.resource().id())) {
          scope.error(at, "host " + key.host() + " with match " + describe(key.match()) + " is already routed by " + owner
              + (key.listener().isEmpty() ? "" : " on listener " + key.listener())
              + "; this route would never be used (conflicting routes)");
          return;
        }
      }
    }
  }

  private static List<Key> keys(Route route) {
    List<Key> out = new ArrayList<>();
    List<String> listeners = route.listeners().isEmpty() ? List.of("") : route.listeners();
    for (String host : route.hosts()) {
      for (RequestMatch match : route.match()) {
        listeners.forEach(l -> out.add(new Key(host, match, l)));
      }
    }
    return out;
  }

  void add(String owner, List<Route> accepted) {
    for (Route route : accepted) {
      routes.add(route);
      keys(route).forEach(key -> owners.putIfAbsent(key, owner));
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
