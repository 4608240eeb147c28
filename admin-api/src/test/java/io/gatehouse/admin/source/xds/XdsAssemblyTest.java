package io.gatehouse.admin.source.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.Upstream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Endpoints by health, priority and weight; and how the assembly waits for what listeners and routes name. */
class XdsAssemblyTest {
  private static LbEndpoint endpoint(int port, HealthStatus health, int weight) {
    return LbEndpoint.newBuilder().setHealthStatus(health).setLoadBalancingWeight(UInt32Value.of(weight))
        .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress("10.0.0.1").setPortValue(port)))).build();
  }

  @Test
  void onlyHealthyEndpointsOfTheBestPriorityServe() {
    ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("c")
        .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(0)
            .addLbEndpoints(endpoint(1, HealthStatus.UNHEALTHY, 1)).addLbEndpoints(endpoint(2, HealthStatus.DRAINING, 1)))
        .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(1)
            .addLbEndpoints(endpoint(3, HealthStatus.HEALTHY, 1)).addLbEndpoints(endpoint(4, HealthStatus.UNKNOWN, 1))
            .addLbEndpoints(endpoint(5, HealthStatus.UNHEALTHY, 1)))
        .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(2).addLbEndpoints(endpoint(6, HealthStatus.HEALTHY, 1)))
        .build();
    var e = EndpointTranslator.translate(cla, new Findings(XdsType.EDS, "c"));
    assertEquals(List.of(new Upstream.Endpoint("10.0.0.1", 3), new Upstream.Endpoint("10.0.0.1", 4)), e.endpoints(),
        "priority 0 has no healthy endpoint: priority 1 serves, without its unhealthy one");
  }

  @Test
  void weightsBecomeProportionalSlots() {
    ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("c")
        .addEndpoints(LocalityLbEndpoints.newBuilder()
            .addLbEndpoints(endpoint(1, HealthStatus.HEALTHY, 30)).addLbEndpoints(endpoint(2, HealthStatus.HEALTHY, 10)))
        .build();
    var e = EndpointTranslator.translate(cla, new Findings(XdsType.EDS, "c")).endpoints();
    assertEquals(4, e.size());
    assertEquals(3, e.stream().filter(x -> x.port() == 1).count());
  }

  @Test
  void waitsForRdsAndEdsThenServesAndRoutesToAMissingClusterAnswer503() {
    Map<String, XListener> listeners = Map.of("l", new XListener("l", "0.0.0.0", 8080,
        io.gatehouse.routes.Listener.Protocol.HTTP, false, List.of("http.8080"), List.of(), List.of()));
    Map<String, List<io.gatehouse.routes.Route>> routes = new HashMap<>();
    Map<String, XCluster> clusters = new HashMap<>();
    Map<String, EndpointTranslator.XEndpoints> endpoints = new HashMap<>();
    var r = XdsAssembly.assemble(new XdsAssembly.Resources(listeners, routes, clusters, endpoints, Map.of(), true, true, false));
    assertTrue(r.fragment().isEmpty());
    assertEquals(List.of("RDS http.8080"), r.waiting());

    var config = io.envoyproxy.envoy.config.route.v3.RouteConfiguration.newBuilder().setName("http.8080")
        .addVirtualHosts(io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName("vh").addDomains("*")
            .addRoutes(io.envoyproxy.envoy.config.route.v3.Route.newBuilder().setName("a")
                .setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder().setPrefix("/a"))
                .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster("eds-cluster")))
            .addRoutes(io.envoyproxy.envoy.config.route.v3.Route.newBuilder().setName("b")
                .setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder().setPrefix("/b"))
                .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster("nowhere")))).build();
    routes.put("http.8080", RouteTranslator.translate(config, new Findings(XdsType.RDS, "http.8080")));
    clusters.put("eds-cluster", ClusterTranslator.translate(Cluster.newBuilder().setName("eds-cluster")
        .setType(Cluster.DiscoveryType.EDS).build(), new Findings(XdsType.CDS, "eds-cluster")));
    r = XdsAssembly.assemble(new XdsAssembly.Resources(listeners, routes, clusters, endpoints, Map.of(), true, true, false));
    assertEquals(List.of("EDS eds-cluster"), r.waiting());
    assertEquals(java.util.Set.of("eds-cluster"), r.eds());

    endpoints.put("eds-cluster", EndpointTranslator.translate(ClusterLoadAssignment.newBuilder().setClusterName("eds-cluster")
        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(endpoint(9080, HealthStatus.HEALTHY, 1))).build(),
        new Findings(XdsType.EDS, "eds-cluster")));
    r = XdsAssembly.assemble(new XdsAssembly.Resources(listeners, routes, clusters, endpoints, Map.of(), true, true, false));
    var fragment = r.fragment().orElseThrow();
    assertEquals(List.of("eds-cluster"), fragment.upstreams().stream().map(Upstream::name).toList());
    assertEquals(List.of("l"), fragment.routes().get(0).listeners());
    // A route to no cluster: the gateway answers it with its own 503 cluster_not_found.
    assertEquals(new Action.Forward(List.of()), fragment.routes().get(1).action());
    assertTrue(r.notes().get(0).contains("cluster nowhere is not served: CDS has no such cluster"), r.notes().toString());
  }
}
