package io.gatehouse.routes.load;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.Origin;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.auth.Policies;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The checks that need the whole config, run on a config merged from several sources (files,
 * admin pushes, control planes): every backend and mirror names a defined upstream, every route's
 * {@code listeners} a defined listener, every CUSTOM policy a defined extAuthz service and every
 * security attachment a defined listener or route, and no two listeners,
 * nor a listener and the admin port, bind the same address and port. Each source's own objects
 * were checked field by field when that source loaded them ({@link ConfigLoader#loadFragment}).
 */
public final class CrossCheck {
  /** Where an object of the merged config came from, for error messages; {@code kind} is "routes", "listeners", … */
  @FunctionalInterface
  public interface Locator {
    Origin of(String kind, String name);
  }

  private CrossCheck() {}

  /** Every problem found, located by {@code where}; empty when the merged config is consistent. */
  public static List<ConfigError> check(GatewayConfig config, Locator where) {
    List<ConfigError> errors = new ArrayList<>();
    Set<String> upstreams = config.upstreams().stream().map(Upstream::name).collect(Collectors.toCollection(TreeSet::new));
    Set<String> listenerNames = config.listeners().stream().map(Listener::name).collect(Collectors.toCollection(TreeSet::new));
    for (Route route : config.routes()) {
      for (String listener : route.listeners()) {
        if (!listenerNames.contains(listener)) {
          errors.add(new ConfigError(where.of("routes", route.name()), "route " + Fields.quote(route.name())
              + ": listeners: listener " + Fields.quote(listener) + " is not defined (known: "
              + (listenerNames.isEmpty() ? "none" : String.join(", ", listenerNames)) + ")"));
        }
      }
      String mirror = route.mirror().upstream();
      if (!mirror.isEmpty() && !upstreams.contains(mirror)) {
        errors.add(new ConfigError(where.of("routes", route.name()), "route " + Fields.quote(route.name())
            + ": mirror.upstream: upstream " + Fields.quote(mirror) + " is not defined (known: "
            + (upstreams.isEmpty() ? "none" : String.join(", ", upstreams)) + ")"));
      }
      if (!(route.action() instanceof Action.Forward forward)) {
        continue;
      }
      for (Action.Backend backend : forward.backends()) {
        if (!upstreams.contains(backend.upstream())) {
          errors.add(new ConfigError(where.of("routes", route.name()), "route " + Fields.quote(route.name())
              + ": backends.upstream: upstream " + Fields.quote(backend.upstream()) + " is not defined (known: "
              + (upstreams.isEmpty() ? "none" : String.join(", ", upstreams)) + ")"));
        }
      }
    }
    Set<String> routeNames = config.routes().stream().map(Route::name).collect(Collectors.toSet());
    for (Policies.Dangling d : Policies.dangling(config.security(), listenerNames, routeNames)) {
      errors.add(new ConfigError(where.of(d.kind(), d.name()), d.message()));
    }
    List<Listener> listeners = config.listeners();
    for (int i = 0; i < listeners.size(); i++) {
      Listener next = listeners.get(i);
      if (next.port() == 0) {
        continue;
      }
      if (next.port() == config.admin().port()) {
        errors.add(new ConfigError(where.of("listeners", next.name()), "listener " + Fields.quote(next.name())
            + ": port: " + next.port() + " is the admin port"));
      }
      for (int j = 0; j < i; j++) {
        Listener before = listeners.get(j);
        if (before.port() == next.port() && ListenerReader.overlaps(before.address(), next.address())) {
          errors.add(new ConfigError(where.of("listeners", next.name()), "listener " + Fields.quote(next.name()) + ": port: "
              + ListenerReader.hostPort(next.address(), next.port()) + " overlaps listener " + Fields.quote(before.name())
              + " (" + ListenerReader.hostPort(before.address(), before.port()) + " from " + where.of("listeners", before.name()) + ")"));
        }
      }
    }
    return errors;
  }
}
