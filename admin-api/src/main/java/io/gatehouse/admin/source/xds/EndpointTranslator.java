package io.gatehouse.admin.source.xds;

import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.gatehouse.routes.Upstream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code ClusterLoadAssignment} as the endpoints to balance over. Only healthy endpoints (status
 * HEALTHY or UNKNOWN) count, and only those of the best priority (lowest number) that has one:
 * Envoy's failover, without its gradual spill-over (overprovisioning factor). Endpoint weights are
 * served by listing an endpoint in proportion to its weight (reduced by their greatest common
 * divisor), which every native balancer honours; at most {@value #MAX_SLOTS} slots per cluster.
 * An endpoint's workload comes from the metadata istiod writes for telemetry,
 * {@code filter_metadata["istio"]["workload"]} = {@code name;namespace;canonical-name;canonical-revision;cluster}
 * (Istio's {@code AppendLbEndpointMetadata}, read as Envoy's {@code convertEndpointMetadata} reads it).
 */
final class EndpointTranslator {
  static final int MAX_SLOTS = 1000;

  /** The endpoints, and how many of them Istio labels {@code tlsMode: istio} (for auto mutual TLS). */
  record XEndpoints(String name, List<Upstream.Endpoint> endpoints, int istio, int total) {
    XEndpoints {
      endpoints = List.copyOf(endpoints);
    }
  }

  private EndpointTranslator() {}

  static XEndpoints translate(ClusterLoadAssignment cla, Findings f) {
    int best = Integer.MAX_VALUE;
    for (LocalityLbEndpoints l : cla.getEndpointsList()) {
      if (l.getLbEndpointsList().stream().anyMatch(EndpointTranslator::healthy)) {
        best = Math.min(best, l.getPriority());
      }
    }
    List<Upstream.Endpoint> endpoints = new ArrayList<>();
    List<Integer> weights = new ArrayList<>();
    int istio = 0;
    int total = 0;
    for (int i = 0; i < cla.getEndpointsCount(); i++) {
      LocalityLbEndpoints l = cla.getEndpoints(i);
      if (l.getPriority() != best) {
        continue;
      }
      for (int j = 0; j < l.getLbEndpointsCount(); j++) {
        LbEndpoint e = l.getLbEndpoints(j);
        String field = "endpoints[" + i + "].lb_endpoints[" + j + "]";
        if (!healthy(e)) {
          continue;
        }
        if (!e.hasEndpoint() || !e.getEndpoint().getAddress().hasSocketAddress()) {
          f.fail(field + ".endpoint.address", "only socket addresses are served");
          continue;
        }
        SocketAddress a = e.getEndpoint().getAddress().getSocketAddress();
        if (a.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE || a.getPortValue() == 0) {
          f.fail(field + ".endpoint.address.socket_address.port_value", "a port is required");
          continue;
        }
        endpoints.add(new Upstream.Endpoint(a.getAddress(), a.getPortValue(), workload(e, field, f)));
        weights.add(e.hasLoadBalancingWeight() ? Math.max(1, e.getLoadBalancingWeight().getValue()) : 1);
        total++;
        var meta = e.getMetadata().getFilterMetadataMap().get("envoy.transport_socket_match");
        if (meta != null && meta.getFieldsMap().containsKey("tlsMode")
            && "istio".equals(meta.getFieldsMap().get("tlsMode").getStringValue())) {
          istio++;
        }
      }
    }
    return new XEndpoints(cla.getClusterName(), weighted(endpoints, weights, f), istio, total);
  }

  /**
   * The workload istiod names in {@code metadata.filter_metadata.istio.workload}; fewer than five
   * {@code ;}-separated parts is not that form (noted; the workload stays unknown, as in Envoy).
   */
  static Upstream.Workload workload(LbEndpoint e, String field, Findings f) {
    var istio = e.getMetadata().getFilterMetadataMap().get("istio");
    if (istio == null || !istio.getFieldsMap().containsKey("workload")) {
      return Upstream.Workload.NONE;
    }
    String text = istio.getFieldsMap().get("workload").getStringValue();
    String[] parts = text.split(";", -1);
    if (parts.length < 5) {
      f.note(field + ".metadata.filter_metadata.istio.workload", "endpoint workload metadata that is not Istio's"
          + " name;namespace;canonical-name;canonical-revision;cluster (the workload is left unknown)");
      return Upstream.Workload.NONE;
    }
    return new Upstream.Workload(parts[0], parts[1], parts[2], parts[3], "", "", parts[4]);
  }

  static boolean healthy(LbEndpoint e) {
    return e.getHealthStatus() == HealthStatus.HEALTHY || e.getHealthStatus() == HealthStatus.UNKNOWN;
  }

  private static List<Upstream.Endpoint> weighted(List<Upstream.Endpoint> endpoints, List<Integer> weights, Findings f) {
    if (weights.stream().distinct().count() <= 1) {
      return endpoints;
    }
    BigInteger gcd = BigInteger.ZERO;
    long sum = 0;
    for (int w : weights) {
      gcd = gcd.gcd(BigInteger.valueOf(w));
      sum += w;
    }
    long divisor = gcd.longValue();
    double scale = sum / divisor > MAX_SLOTS ? (double) MAX_SLOTS / (sum / divisor) : 1;
    if (scale < 1) {
      f.note("endpoints", "load_balancing_weight rounded to " + MAX_SLOTS + " slots");
    }
    List<Upstream.Endpoint> out = new ArrayList<>();
    for (int i = 0; i < endpoints.size(); i++) {
      long slots = Math.max(1, Math.round(weights.get(i) / divisor * scale));
      for (long s = 0; s < slots; s++) {
        out.add(endpoints.get(i));
      }
    }
    return out;
  }
}
