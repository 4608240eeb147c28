package io.gatehouse.gateway;

import static io.gatehouse.gateway.XdsControlPlane.address;
import static io.gatehouse.gateway.XdsControlPlane.edsCluster;
import static io.gatehouse.gateway.XdsControlPlane.httpListener;
import static io.gatehouse.gateway.XdsControlPlane.istioHttpFilters;
import static io.gatehouse.gateway.XdsControlPlane.prefix;
import static io.gatehouse.gateway.XdsControlPlane.route;
import static io.gatehouse.gateway.XdsControlPlane.routes;
import static io.gatehouse.gateway.XdsControlPlane.snapshot;
import static io.gatehouse.gateway.XdsControlPlane.to;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.gatehouse.admin.source.Backoff;
import io.gatehouse.admin.source.xds.XdsSource;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The workload istiod names on each EDS endpoint (its telemetry metadata) reaches Istio's
 * standard metrics: a real xDS control plane, a real upstream, and the Prometheus text parsed.
 */
class XdsWorkloadTest {
  static final String REVIEWS_V2 = "outbound|9080|v2|reviews.bookinfo.svc.cluster.local";
  static final String LISTENER = "0.0.0.0_8080";
  static final String NODE = "router~127.0.0.1~gatehouse-xds.istio-system~istio-system.svc.cluster.local";

  private final Vertx vertx = Vertx.vertx();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private <T extends AutoCloseable> T closing(T c) {
    closing.add(c);
    return c;
  }

  @Test
  void istiodsEndpointWorkloadLabelsTheRequests() throws Exception {
    EchoUpstream reviews = closing(EchoUpstream.start(vertx, "reviews-v2"));
    // As istiod's AppendLbEndpointMetadata writes it: name;namespace;canonical-name;canonical-revision;cluster.
    ClusterLoadAssignment eds = ClusterLoadAssignment.newBuilder().setClusterName(REVIEWS_V2)
        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
            .setHealthStatus(HealthStatus.HEALTHY)
            .setEndpoint(Endpoint.newBuilder().setAddress(address("127.0.0.1", reviews.port())))
            .setMetadata(Metadata.newBuilder().putFilterMetadata("istio", Struct.newBuilder().putFields("workload",
                Value.newBuilder().setStringValue("reviews-v2;bookinfo;reviews;v2;Kubernetes").build()).build()))))
        .build();
    Snapshot snapshot = snapshot("1", List.of(edsCluster(REVIEWS_V2)), List.of(eds),
        List.of(httpListener(LISTENER, "127.0.0.1", 0, "http.8080", istioHttpFilters())),
        List.of(routes("http.8080", List.of("*"), List.of(route("reviews", prefix("/reviews"), to(REVIEWS_V2))))), List.of());
    XdsControlPlane plane = closing(new XdsControlPlane());
    plane.set(snapshot);

    TestGateway gateway = closing(TestGateway.startRaw("admin: { port: 0 }\n", 1, o -> o.withAllowEmpty(true)));
    gateway.gatehouse.addXds(new XdsSource.Settings("127.0.0.1", plane.port(), NODE, Optional.empty(), Optional.empty(),
        Map.of("POD_NAMESPACE", "istio-system"), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1))));
    Await.until("the xDS listener serves /reviews", 30, () -> status(gateway, "/reviews") == 200);

    PromText.Sample sample = PromText.parse(gateway.admin("/metrics").body())
        .one("istio_requests_total", Map.of("destination_service", "reviews.bookinfo.svc.cluster.local", "response_code", "200"));
    Map<String, String> expected = Map.of("destination_service_name", "reviews", "destination_service_namespace", "bookinfo",
        "destination_workload", "reviews-v2", "destination_workload_namespace", "bookinfo", "destination_app", "reviews",
        "destination_version", "v2", "destination_cluster", "Kubernetes", "destination_principal", "unknown");
    expected.forEach((label, value) -> assertEquals(value, sample.label(label), label + " in " + sample.labels()));
  }

  private int status(TestGateway gateway, String path) {
    int port = gateway.gatehouse.listenerPort(LISTENER);
    if (port <= 0) {
      return -1;
    }
    try {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode();
    } catch (Exception e) {
      return -1;
    }
  }
}
