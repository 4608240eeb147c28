package io.gatehouse.admin.source.xds;

/**
 * The resource types the gateway subscribes to over ADS, in the order Envoy's protocol asks a
 * control plane to send them (clusters and their endpoints before the listeners and routes that
 * use them). {@code tag} is the short name logs, {@code /sync} and metrics use.
 */
enum XdsType {
  CDS("cds", "Cluster", "type.googleapis.com/envoy.config.cluster.v3.Cluster", true),
  EDS("eds", "ClusterLoadAssignment", "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", false),
  LDS("lds", "Listener", "type.googleapis.com/envoy.config.listener.v3.Listener", true),
  RDS("rds", "RouteConfiguration", "type.googleapis.com/envoy.config.route.v3.RouteConfiguration", false),
  SDS("sds", "Secret", "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", false);

  final String tag;
  /** The protobuf message name, as problems name a resource: {@code Listener "0.0.0.0_8080"}. */
  final String kind;
  final String typeUrl;
  /** LDS and CDS ask for every resource (wildcard); the others for the names those answers use. */
  final boolean wildcard;

  XdsType(String tag, String kind, String typeUrl, boolean wildcard) {
    this.tag = tag;
    this.kind = kind;
    this.typeUrl = typeUrl;
    this.wildcard = wildcard;
  }

  static XdsType of(String typeUrl) {
    for (XdsType t : values()) {
      if (t.typeUrl.equals(typeUrl)) {
        return t;
      }
    }
    return null;
  }
}
