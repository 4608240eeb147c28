package io.gatehouse.admin.source.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.gatehouse.routes.Upstream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The workload of EDS endpoints, from the metadata istiod writes for telemetry. */
class EndpointTranslatorTest {
  private static LbEndpoint endpoint(int port, String workload) {
    LbEndpoint.Builder e = LbEndpoint.newBuilder().setHealthStatus(HealthStatus.HEALTHY)
        .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress("10.0.0." + port).setPortValue(9080))));
    if (workload != null) {
      // As Istio's AppendLbEndpointMetadata writes it: name;namespace;canonical-name;canonical-revision;cluster.
      e.setMetadata(Metadata.newBuilder().putFilterMetadata("istio", Struct.newBuilder()
          .putFields("workload", Value.newBuilder().setStringValue(workload).build()).build()));
    }
    return e.build();
  }

  @Test
  void istiodsWorkloadMetadataNamesTheEndpointsWorkload() {
    ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("outbound|9080||reviews.bookinfo.svc.cluster.local")
        .addEndpoints(LocalityLbEndpoints.newBuilder()
            .addLbEndpoints(endpoint(1, "reviews-v1;bookinfo;reviews;v1;Kubernetes"))
            .addLbEndpoints(endpoint(2, "details-v1;bookinfo;details;;Kubernetes"))  // revision "latest" is left out by istiod
            .addLbEndpoints(endpoint(3, "a;b;c;d"))
            .addLbEndpoints(endpoint(4, null)))
        .build();
    Findings f = new Findings(XdsType.EDS, cla.getClusterName());
    List<Upstream.Endpoint> endpoints = EndpointTranslator.translate(cla, f).endpoints();
    assertEquals(List.of(new Upstream.Workload("reviews-v1", "bookinfo", "reviews", "v1", "", "", "Kubernetes"),
        new Upstream.Workload("details-v1", "bookinfo", "details", "", "", "", "Kubernetes"),
        Upstream.Workload.NONE, Upstream.Workload.NONE), endpoints.stream().map(Upstream.Endpoint::workload).toList());
    assertEquals("10.0.0.1:9080", endpoints.get(0).toString());
    assertTrue(f.notes().toString().contains("endpoints[0].lb_endpoints[2].metadata.filter_metadata.istio.workload"),
        f.notes().toString());
  }
}
