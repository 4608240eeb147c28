package io.gatehouse.routes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One Kubernetes cluster to read Istio and Gateway API resources from. An empty {@code masterUrl}
 * means the usual client discovery (in-cluster service account, then kubeconfig). An empty
 * {@code namespaces} list watches every namespace. {@code gatewayLabels}: this gateway's own labels
 * (an Istio Gateway's selector must match them); {@code ports}: a Gateway's port to the port to
 * bind (0 = any free port). Changes within {@code debounce} are translated once. With
 * {@code proxyProtocol}, the listeners made from Gateways expect a PROXY protocol header (the
 * gateway runs behind a load balancer that sends one). {@code edge}: what those listeners do before
 * routing (path normalisation, trusted hops; as Istio's {@code meshConfig.pathNormalization} and
 * {@code gatewayTopology.numTrustedProxies}), {@link ListenerEdge#DEFAULT} unless the source says.
 * {@code ingressClassName}: the Ingress class this gateway implements. {@code publishService}
 * ({@code ns/name}) and {@code publishAddresses}: what Ingresses get in {@code status.loadBalancer}
 * (the Service's own LoadBalancer status, as ingress-nginx's {@code --publish-service}, or the
 * addresses and host names as written); neither: Ingress status is not written.
 */
public record Kubernetes(String name, String masterUrl, List<String> namespaces, Map<String, Set<String>> gatewayLabels,
                         String gatewayClassName, Map<Integer, Integer> ports, Duration debounce, String clusterDomain,
                         boolean proxyProtocol, ListenerEdge edge, String ingressClassName, String publishService,
                         List<String> publishAddresses) {
  /** The Ingress class a source implements unless it says otherwise. */
  public static final String DEFAULT_INGRESS_CLASS = "gatehouse";

  public Kubernetes {
    namespaces = List.copyOf(namespaces);
    gatewayLabels = Map.copyOf(gatewayLabels);
    ports = Map.copyOf(ports);
    publishAddresses = List.copyOf(publishAddresses);
  }

  /** With the default Ingress class and no Ingress status. */
  public Kubernetes(String name, String masterUrl, List<String> namespaces, Map<String, Set<String>> gatewayLabels,
                    String gatewayClassName, Map<Integer, Integer> ports, Duration debounce, String clusterDomain,
                    boolean proxyProtocol, ListenerEdge edge) {
    this(name, masterUrl, namespaces, gatewayLabels, gatewayClassName, ports, debounce, clusterDomain, proxyProtocol,
        edge, DEFAULT_INGRESS_CLASS, "", List.of());
  }

  /** With the default {@link ListenerEdge} for the listeners it makes. */
  public Kubernetes(String name, String masterUrl, List<String> namespaces, Map<String, Set<String>> gatewayLabels,
                    String gatewayClassName, Map<Integer, Integer> ports, Duration debounce, String clusterDomain,
                    boolean proxyProtocol) {
    this(name, masterUrl, namespaces, gatewayLabels, gatewayClassName, ports, debounce, clusterDomain, proxyProtocol,
        ListenerEdge.DEFAULT);
  }
}
