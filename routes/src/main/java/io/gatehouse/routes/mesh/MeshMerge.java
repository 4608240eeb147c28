package io.gatehouse.routes.mesh;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.Egress;
import io.gatehouse.routes.EgressRule;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.Origin;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.auth.AuthorizationPolicy;
import io.gatehouse.routes.auth.JwtProvider;
import io.gatehouse.routes.auth.Security;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds a translated fragment to a native config: listeners, upstreams, routes (after the native
 * ones, so hand-written routes win), egress rules, JWT providers and authorization policies. A fragment listener on a port the native
 * config already uses, or a name both define, is a located error.
 */
public final class MeshMerge {
  private MeshMerge() {}

  /** The merged config, or the conflicts (located at {@code origin}, the source of the fragment). */
  public static Merged merge(GatewayConfig base, MeshFragment fragment, Origin origin) {
    List<ConfigError> errors = new ArrayList<>();
    Map<Integer, String> ports = new HashMap<>();
    base.listeners().forEach(l -> ports.put(l.port(), l.name()));
    Map<String, Boolean> listenerNames = new HashMap<>();
    base.listeners().forEach(l -> listenerNames.put(l.name(), true));
    for (Listener l : fragment.listeners()) {
      String other = l.port() == 0 ? null : ports.get(l.port());
      if (other != null) {
        errors.add(new ConfigError(origin, "listener " + l.name() + " (from Gateways) binds port " + l.port()
            + ", which native listener " + other + " already uses"));
      }
      if (listenerNames.containsKey(l.name())) {
        errors.add(new ConfigError(origin, "listener name " + l.name() + " is defined by native config and Gateways"));
      }
    }
    checkNames(errors, origin, "upstream", base.upstreams().stream().map(Upstream::name).toList(),
        fragment.upstreams().stream().map(Upstream::name).toList());
    checkNames(errors, origin, "route", base.routes().stream().map(Route::name).toList(),
        fragment.routes().stream().map(Route::name).toList());
    Security ours = base.security();
    Security theirs = fragment.security();
    checkNames(errors, origin, "authentication provider", ours.authentication().stream().map(JwtProvider::name).toList(),
        theirs.authentication().stream().map(JwtProvider::name).toList());
    checkNames(errors, origin, "authorization policy", ours.authorization().stream().map(AuthorizationPolicy::name).toList(),
        theirs.authorization().stream().map(AuthorizationPolicy::name).toList());
    if (!errors.isEmpty()) {
      return new Merged(base, errors);
    }
    List<Listener> listeners = new ArrayList<>(base.listeners());
    listeners.addAll(fragment.listeners());
    List<Upstream> upstreams = new ArrayList<>(base.upstreams());
    upstreams.addAll(fragment.upstreams());
    List<Route> routes = new ArrayList<>(base.routes());
    routes.addAll(fragment.routes());
    List<EgressRule> allow = new ArrayList<>(base.egress().allow());
    allow.addAll(fragment.egress());
    List<JwtProvider> providers = new ArrayList<>(ours.authentication());
    providers.addAll(theirs.authentication());
    List<AuthorizationPolicy> policies = new ArrayList<>(ours.authorization());
    policies.addAll(theirs.authorization());
    GatewayConfig merged = base.withObjects(listeners, upstreams, routes, allow);
    if (!theirs.isNone()) {
      merged = merged.withSecurity(ours.withAuthentication(providers).withAuthorization(policies));
    }
    return new Merged(merged, List.of());
  }

  /** A merged config, valid when {@code errors} is empty. */
  public record Merged(GatewayConfig config, List<ConfigError> errors) {
    public Merged {
      errors = List.copyOf(errors);
    }
  }

  private static void checkNames(List<ConfigError> errors, Origin origin, String what, List<String> base, List<String> added) {
    for (String name : added) {
      if (base.contains(name)) {
        errors.add(new ConfigError(origin, what + " name " + name + " is defined by native config and by translation"));
      }
    }
  }
}
