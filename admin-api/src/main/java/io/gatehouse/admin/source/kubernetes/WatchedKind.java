package io.gatehouse.admin.source.kubernetes;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;

/**
 * A kind the source watches, with the API version it reads it at; cluster-scoped kinds are watched
 * once, in every namespace. Public so that the deploy module's tests hold the shipped RBAC to it.
 */
public record WatchedKind(String group, String version, String kind, String plural, boolean namespaced) {
  WatchedKind(String group, String version, String kind, String plural) {
    this(group, version, kind, plural, true);
  }

  static final WatchedKind INGRESS = new WatchedKind("networking.k8s.io", "v1", "Ingress", "ingresses");
  static final WatchedKind SERVICE = new WatchedKind("", "v1", "Service", "services");

  /** Everything the translator reads: Istio networking and security, the Gateway API, Ingresses, and the core inputs. */
  public static final List<WatchedKind> ALL = List.of(
      new WatchedKind("networking.istio.io", "v1", "Gateway", "gateways"),
      new WatchedKind("networking.istio.io", "v1", "VirtualService", "virtualservices"),
      new WatchedKind("networking.istio.io", "v1", "DestinationRule", "destinationrules"),
      new WatchedKind("networking.istio.io", "v1", "ServiceEntry", "serviceentries"),
      new WatchedKind("security.istio.io", "v1", "RequestAuthentication", "requestauthentications"),
      new WatchedKind("security.istio.io", "v1", "AuthorizationPolicy", "authorizationpolicies"),
      new WatchedKind("gateway.networking.k8s.io", "v1", "Gateway", "gateways"),
      new WatchedKind("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"),
      new WatchedKind("gateway.networking.k8s.io", "v1", "GRPCRoute", "grpcroutes"),
      new WatchedKind("gateway.networking.k8s.io", "v1alpha2", "TLSRoute", "tlsroutes"),
      new WatchedKind("gateway.networking.k8s.io", "v1alpha2", "TCPRoute", "tcproutes"),
      new WatchedKind("gateway.networking.k8s.io", "v1beta1", "ReferenceGrant", "referencegrants"),
      INGRESS,
      new WatchedKind("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false),
      SERVICE,
      new WatchedKind("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices"),
      new WatchedKind("", "v1", "Secret", "secrets"),
      new WatchedKind("", "v1", "Pod", "pods"));

  ResourceDefinitionContext context() {
    return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
        .withPlural(plural).withNamespaced(namespaced).build();
  }

  String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** Gateway API kinds get status conditions written back. */
  boolean hasStatus() {
    return group.equals("gateway.networking.k8s.io")
        && (kind.equals("Gateway") || kind.endsWith("Route"));
  }

  @Override public String toString() {
    return kind + "." + (group.isEmpty() ? "core" : group) + "/" + version;
  }
}
