package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.auth.AuthorizationPolicy;
import java.util.List;
import java.util.Set;

/**
 * What Kubernetes Ingresses add to the config. Their routes serve, as native routes do, on every
 * listener of the protocols each names (HTTP and HTTPS: native ones and those Gateways make; an
 * ssl-redirect route answers on HTTP ones only, its forwarding twin on HTTPS ones), which only the
 * merge knows; their certificates join every HTTPS listener (after its own, so a hand-written or
 * Gateway certificate wins its host); their authorization policies (whitelist-source-range) cover
 * their routes only.
 */
public record IngressFragment(List<Bound> routes, List<ListenerTls.CertificateRef> certificates,
                              List<AuthorizationPolicy> policies) {
  public IngressFragment {
    routes = List.copyOf(routes);
    certificates = List.copyOf(certificates);
    policies = List.copyOf(policies);
  }

  public static final IngressFragment NONE = new IngressFragment(List.of(), List.of(), List.of());

  /** A route and the protocols of the native listeners it serves on. */
  public record Bound(Route route, Set<Listener.Protocol> protocols) {
    public Bound {
      protocols = Set.copyOf(protocols);
    }
  }

  public boolean isEmpty() {
    return routes.isEmpty() && certificates.isEmpty() && policies.isEmpty();
  }
}
