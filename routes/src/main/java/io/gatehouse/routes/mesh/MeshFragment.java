package io.gatehouse.routes.mesh;

import io.gatehouse.routes.EgressRule;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.auth.Security;
import java.util.List;
import java.util.Map;

/**
 * What the Istio, Gateway API and Ingress resources translate to: native listeners, upstreams, routes,
 * egress rules and JWT providers and authorization policies, plus every problem found. A resource with an error is left out whole (the rest
 * still translates); {@code accepted} says, for every resource that is this gateway's, whether
 * it was taken (for Gateway API status conditions and /sync). {@code ingress}: what Kubernetes
 * Ingresses add to the native listeners (bound when merged, see {@link IngressFragment}).
 */
public record MeshFragment(List<Listener> listeners, List<Upstream> upstreams, List<Route> routes,
                           List<EgressRule> egress, Security security, List<MeshProblem> problems,
                           Map<String, Boolean> accepted, IngressFragment ingress) {
  public MeshFragment {
    listeners = List.copyOf(listeners);
    upstreams = List.copyOf(upstreams);
    routes = List.copyOf(routes);
    egress = List.copyOf(egress);
    problems = List.copyOf(problems);
    accepted = Map.copyOf(accepted);
  }

  /** Without Ingresses. */
  public MeshFragment(List<Listener> listeners, List<Upstream> upstreams, List<Route> routes,
                      List<EgressRule> egress, Security security, List<MeshProblem> problems,
                      Map<String, Boolean> accepted) {
    this(listeners, upstreams, routes, egress, security, problems, accepted, IngressFragment.NONE);
  }

  public static final MeshFragment EMPTY = new MeshFragment(List.of(), List.of(), List.of(), List.of(), Security.NONE, List.of(),
      Map.of());

  public List<MeshProblem> errors() {
    return problems.stream().filter(p -> p.severity() == MeshProblem.Severity.ERROR).toList();
  }

  public List<MeshProblem> warnings() {
    return problems.stream().filter(p -> p.severity() == MeshProblem.Severity.WARNING).toList();
  }

  /** The problems of one resource ({@code Kind ns/name}). */
  public List<MeshProblem> problemsOf(String resourceId) {
    return problems.stream().filter(p -> p.resource().equals(resourceId)).toList();
  }
}
