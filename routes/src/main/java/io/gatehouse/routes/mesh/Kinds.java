package io.gatehouse.routes.mesh;

import java.util.Optional;

/** The kinds the translator reads, by API group and kind. */
enum Kinds {
  ISTIO_GATEWAY("networking.istio.io", "Gateway"),
  VIRTUAL_SERVICE("networking.istio.io", "VirtualService"),
  DESTINATION_RULE("networking.istio.io", "DestinationRule"),
  SERVICE_ENTRY("networking.istio.io", "ServiceEntry"),
  REQUEST_AUTHENTICATION("security.istio.io", "RequestAuthentication"),
  AUTHORIZATION_POLICY("security.istio.io", "AuthorizationPolicy"),
  GATEWAY("gateway.networking.k8s.io", "Gateway"),
  GATEWAY_CLASS("gateway.networking.k8s.io", "GatewayClass"),
  HTTP_ROUTE("gateway.networking.k8s.io", "HTTPRoute"),
  TLS_ROUTE("gateway.networking.k8s.io", "TLSRoute"),
  TCP_ROUTE("gateway.networking.k8s.io", "TCPRoute"),
  GRPC_ROUTE("gateway.networking.k8s.io", "GRPCRoute"),
  REFERENCE_GRANT("gateway.networking.k8s.io", "ReferenceGrant"),
  INGRESS("networking.k8s.io", "Ingress"),
  INGRESS_CLASS("networking.k8s.io", "IngressClass"),
  SERVICE("", "Service"),
  ENDPOINT_SLICE("discovery.k8s.io", "EndpointSlice"),
  SECRET("", "Secret"),
  POD("", "Pod");

  final String group;
  final String kind;

  Kinds(String group, String kind) {
    this.group = group;
    this.kind = kind;
  }

  static Optional<Kinds> of(MeshResource r) {
    for (Kinds k : values()) {
      if (k.group.equals(r.group()) && k.kind.equals(r.kind())) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  boolean is(MeshResource r) {
    return group.equals(r.group()) && kind.equals(r.kind());
  }
}
