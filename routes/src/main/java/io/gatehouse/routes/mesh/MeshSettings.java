package io.gatehouse.routes.mesh;

import java.util.Map;
import java.util.Set;

/**
 * Which resources are this gateway's and how to read them. {@code gatewayLabels}: an Istio
 * Gateway applies when each of its selector's entries names one of these values.
 * {@code gatewayClassName}: the Gateway API class this gateway implements. {@code ports} maps a
 * port written in a Gateway to the port to bind (0 = any free port). {@code dnsFallback}: a
 * Service with no EndpointSlice is reached by its cluster DNS name (files) instead of having no
 * endpoints (a cluster, where no slice means no ready pod). {@code edge}: what every listener made
 * from a Gateway does before routing. {@code ingressClassName}: the Kubernetes Ingress class this
 * gateway implements when no IngressClass object of that name says otherwise.
 */
public record MeshSettings(Map<String, Set<String>> gatewayLabels, String gatewayClassName,
                           Map<Integer, Integer> ports, boolean dnsFallback, String clusterDomain,
                           boolean proxyProtocol, io.gatehouse.routes.ListenerEdge edge, String ingressClassName) {
  public MeshSettings {
    gatewayLabels = Map.copyOf(gatewayLabels);
    ports = Map.copyOf(ports);
  }

  /** With the default Ingress class {@value io.gatehouse.routes.Kubernetes#DEFAULT_INGRESS_CLASS}. */
  public MeshSettings(Map<String, Set<String>> gatewayLabels, String gatewayClassName, Map<Integer, Integer> ports,
                      boolean dnsFallback, String clusterDomain, boolean proxyProtocol,
                      io.gatehouse.routes.ListenerEdge edge) {
    this(gatewayLabels, gatewayClassName, ports, dnsFallback, clusterDomain, proxyProtocol, edge,
        io.gatehouse.routes.Kubernetes.DEFAULT_INGRESS_CLASS);
  }

  public static final Map<String, Set<String>> DEFAULT_LABELS =
      Map.of("istio", Set.of("ingressgateway", "egressgateway"));

  /** Defaults for files: Istio ingress/egress labels, Gateway and Ingress class {@code gatehouse}, ports as written, DNS fallback. */
  public static final MeshSettings FILES =
      new MeshSettings(DEFAULT_LABELS, "gatehouse", Map.of(), true, "cluster.local", false,
          io.gatehouse.routes.ListenerEdge.DEFAULT);

  /** The settings of a cluster source: no DNS fallback (no EndpointSlice means no ready pod). */
  public static MeshSettings of(io.gatehouse.routes.Kubernetes k) {
    return new MeshSettings(k.gatewayLabels(), k.gatewayClassName(), k.ports(), false, k.clusterDomain(),
        k.proxyProtocol(), k.edge(), k.ingressClassName());
  }

  /** Whether an Istio Gateway with this selector selects this gateway. */
  boolean selects(Map<String, String> selector) {
    // Istio: a Gateway without a selector applies to every gateway workload.
    return selector.entrySet().stream()
        .allMatch(e -> gatewayLabels.getOrDefault(e.getKey(), Set.of()).contains(e.getValue()));
  }

  int bindPort(int written) {
    return ports.getOrDefault(written, written);
  }
}
