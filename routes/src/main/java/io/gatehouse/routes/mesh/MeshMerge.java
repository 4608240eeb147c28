package io.gatehouse.routes.mesh;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.EgressRule;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.Origin;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.auth.Attachment;
import io.gatehouse.routes.auth.AuthorizationPolicy;
import io.gatehouse.routes.auth.JwtProvider;
import io.gatehouse.routes.auth.Security;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adds a translated fragment to a native config: listeners, upstreams, routes (after the native
 * ones, so hand-written routes win), egress rules, JWT providers and authorization policies, and
 * what Ingresses add to the native listeners ({@link IngressFragment}). A fragment listener on a port the native
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
    checkNames(errors, origin, "route", base.routes().stream().map(Route::name).toList(),
        fragment.ingress().routes().stream().map(b -> b.route().name()).toList());
    Security ours = base.security();
    Security theirs = fragment.security();
    checkNames(errors, origin, "authentication provider", ours.authentication().stream().map(JwtProvider::name).toList(),
        theirs.authentication().stream().map(JwtProvider::name).toList());
    checkNames(errors, origin, "authorization policy", ours.authorization().stream().map(AuthorizationPolicy::name).toList(),
        theirs.authorization().stream().map(AuthorizationPolicy::name).toList());
    checkNames(errors, origin, "authorization policy", ours.authorization().stream().map(AuthorizationPolicy::name).toList(),
        fragment.ingress().policies().stream().map(AuthorizationPolicy::name).toList());
    if (!errors.isEmpty()) {
      return new Merged(base, errors);
    }
    IngressFragment ingress = fragment.ingress();
    List<Listener> listeners = new ArrayList<>();
    base.listeners().forEach(l -> listeners.add(withCertificates(l, ingress.certificates())));
    fragment.listeners().forEach(l -> listeners.add(withCertificates(l, ingress.certificates())));
    List<Upstream> upstreams = new ArrayList<>(base.upstreams());
    upstreams.addAll(fragment.upstreams());
    List<Route> routes = new ArrayList<>(base.routes());
    routes.addAll(fragment.routes());
    Set<String> bound = new HashSet<>();
    for (IngressFragment.Bound b : ingress.routes()) {
      List<String> names = listeners.stream().filter(l -> b.protocols().contains(l.protocol()))
          .map(Listener::name).toList();
      // No listener of its protocols: the route has nowhere to serve (an empty list would mean every listener).
      if (!names.isEmpty()) {
        routes.add(b.route().onListeners(names));
        bound.add(b.route().name());
      }
    }
    List<EgressRule> allow = new ArrayList<>(base.egress().allow());
    allow.addAll(fragment.egress());
    List<JwtProvider> providers = new ArrayList<>(ours.authentication());
    providers.addAll(theirs.authentication());
    List<AuthorizationPolicy> policies = new ArrayList<>(ours.authorization());
    policies.addAll(theirs.authorization());
    for (AuthorizationPolicy p : ingress.policies()) {
      List<String> covered = p.attachment().routes().stream().filter(bound::contains).toList();
      // A policy whose routes all went unbound is dropped: with no routes it would cover every request.
      if (!covered.isEmpty()) {
        policies.add(new AuthorizationPolicy(p.name(), p.action(), p.provider(), p.rules(),
            new Attachment(p.attachment().listeners(), covered)));
      }
    }
    GatewayConfig merged = base.withObjects(listeners, upstreams, routes, allow);
    if (!theirs.isNone() || policies.size() > ours.authorization().size()) {
      merged = merged.withSecurity(ours.withAuthentication(providers).withAuthorization(policies));
    }
    return new Merged(merged, List.of());
  }

  /** An HTTPS listener serves the Ingress certificates after its own; other listeners are kept as they are. */
  private static Listener withCertificates(Listener l, List<ListenerTls.CertificateRef> added) {
    if (l.protocol() != Listener.Protocol.HTTPS || added.isEmpty()) {
      return l;
    }
    ListenerTls tls = l.tls();
    List<ListenerTls.CertificateRef> certificates = new ArrayList<>(tls.certificates());
    added.stream().filter(c -> !certificates.contains(c)).forEach(certificates::add);
    return l.withTls(new ListenerTls(certificates, tls.clientAuth(), tls.clientCa(), tls.minVersion(), tls.ciphers(),
        tls.allowJdkFallback()));
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
