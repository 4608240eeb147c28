package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's standard metrics after real traffic, read back through a strict parse of the
 * Prometheus text on {@code /metrics}: the labels Kiali and Istio's dashboards query, Istio's
 * histogram buckets, Envoy's response flags, and the switches that turn either family off.
 */
class IstioMetricsTest {
  static final String REVIEWS = "reviews.shop.svc.cluster.local_9080_v1";
  static final List<String> ISTIO_BUCKETS = List.of("0.5", "1.0", "5.0", "10.0", "25.0", "50.0", "100.0", "250.0", "500.0",
      "1000.0", "2500.0", "5000.0", "10000.0", "30000.0", "60000.0", "300000.0", "600000.0", "1800000.0", "3600000.0", "+Inf");

  Vertx vertx;
  EchoUpstream upstream;
  TestGateway gateway;
  int deadPort;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    AtomicInteger calls = new AtomicInteger();
    upstream.on("/flaky", r -> r.response().setStatusCode(calls.getAndIncrement() == 0 ? 503 : 200).end("flaky"));
    upstream.on("/down", r -> r.response().setStatusCode(503).end("down"));
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();  // closed again: nothing listens there
    }
    gateway = TestGateway.start(config(""));
  }

  String config(String telemetry) {
    return """
        telemetry:
          workload: { name: edge-gateway, namespace: istio-system, principal: "spiffe://cluster.local/ns/istio-system/sa/edge" }
        %s
        upstreams:
          - { name: %s, endpoints: ["%s"] }
          - { name: plain, endpoints: ["%s"] }
          - { name: dead, endpoints: ["127.0.0.1:%d"] }
          - name: ratings
            endpoints:
              - address: "%s"
                workload: { name: ratings-v2, namespace: bookinfo, app: ratings, version: v2, serviceAccount: bookinfo-ratings, cluster: east }
        routes:
          - { name: reviews, hosts: [reviews.test], backends: [{ upstream: %s }],
              retries: { attempts: 2, on: ["503"] } }
          - { name: plain, hosts: [plain.test], backends: [{ upstream: plain }] }
          - { name: dead, hosts: [dead.test], backends: [{ upstream: dead }] }
          - { name: ratings, hosts: [ratings.test], backends: [{ upstream: ratings }] }
        """.formatted(telemetry, REVIEWS, upstream.address(), upstream.address(), deadPort, upstream.address(), REVIEWS);
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  PromText scrape() {
    TestGateway.TestResponse r = gateway.admin("/metrics");
    assertEquals(200, r.status());
    return PromText.parse(r.body());
  }

  @Test
  void requestsCarryIstiosLabelsAndBuckets() {
    assertEquals(200, gateway.get("/a", Map.of("host", "reviews.test")).status());
    assertEquals(200, gateway.send(gateway.request("/b", Map.of("host", "reviews.test"))
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(300))).build()).status());
    assertEquals(200, gateway.get("/flaky", Map.of("host", "reviews.test")).status());
    assertEquals(503, gateway.get("/down", Map.of("host", "reviews.test")).status());
    assertEquals(404, gateway.get("/", Map.of("host", "nowhere.test")).status());
    assertEquals(503, gateway.get("/", Map.of("host", "dead.test")).status());
    assertEquals(200, gateway.get("/", Map.of("host", "plain.test")).status());

    PromText metrics = scrape();
    assertEquals("counter", metrics.types().get("istio_requests_total"), metrics.types().toString());
    assertEquals("histogram", metrics.types().get("istio_request_duration_milliseconds"));
    Map<String, String> reviews200 = Map.of("response_code", "200", "destination_service", "reviews.shop.svc.cluster.local");
    PromText.Sample ok = metrics.one("istio_requests_total", reviews200);
    assertEquals(3, ok.value(), "two plain requests and one that succeeded on its retry");
    Map<String, String> expected = Map.ofEntries(Map.entry("reporter", "source"),
        Map.entry("source_workload", "edge-gateway"), Map.entry("source_workload_namespace", "istio-system"),
        Map.entry("source_principal", "spiffe://cluster.local/ns/istio-system/sa/edge"), Map.entry("source_app", "edge-gateway"),
        Map.entry("destination_service_name", "reviews"), Map.entry("destination_service_namespace", "shop"),
        Map.entry("destination_workload", "unknown"), Map.entry("destination_workload_namespace", "shop"),
        Map.entry("destination_version", "v1"), Map.entry("destination_principal", "unknown"),
        Map.entry("request_protocol", "http"), Map.entry("response_flags", "-"),
        Map.entry("connection_security_policy", "unknown"), Map.entry("grpc_response_status", ""));
    expected.forEach((label, value) -> assertEquals(value, ok.label(label), label + " in " + ok.labels()));

    assertEquals(1, metrics.one("istio_requests_total", Map.of("response_code", "503", "response_flags", "URX",
        "destination_service_name", "reviews")).value(), "retries ran out on 503s");
    assertEquals(1, metrics.one("istio_requests_total", Map.of("response_code", "404", "response_flags", "NR",
        "destination_service", "unknown")).value());
    assertEquals(1, metrics.one("istio_requests_total", Map.of("response_code", "503", "response_flags", "UF,URX",
        "destination_service", "dead")).value(), "the default policy retries a connect failure once");
    assertEquals(1, metrics.one("istio_requests_total", Map.of("response_code", "200", "destination_service", "plain",
        "destination_service_namespace", "unknown")).value());

    List<PromText.Sample> buckets = metrics.find("istio_request_duration_milliseconds_bucket", reviews200);
    assertEquals(ISTIO_BUCKETS, buckets.stream().map(b -> b.label("le")).toList());
    for (int i = 1; i < buckets.size(); i++) {
      assertTrue(buckets.get(i).value() >= buckets.get(i - 1).value(), "cumulative buckets: " + buckets);
    }
    assertEquals(3, buckets.get(buckets.size() - 1).value());
    assertEquals(3, metrics.one("istio_request_duration_milliseconds_count", reviews200).value());
    assertEquals(300, metrics.one("istio_request_bytes_sum", reviews200).value(), "the POST body");
    assertTrue(metrics.one("istio_response_bytes_sum", reviews200).value() > 0);
    assertTrue(metrics.names().contains("gatehouse_requests_total"), "the gatehouse family stays");
  }

  @Test
  void theEndpointsWorkloadNamesTheDestination() {
    assertEquals(200, gateway.get("/", Map.of("host", "ratings.test")).status());
    assertEquals(200, gateway.get("/", Map.of("host", "plain.test")).status());
    PromText metrics = scrape();
    PromText.Sample ratings = metrics.one("istio_requests_total", Map.of("destination_service", "ratings"));
    Map<String, String> expected = Map.of("destination_workload", "ratings-v2", "destination_workload_namespace", "bookinfo",
        "destination_app", "ratings", "destination_version", "v2", "destination_cluster", "east",
        "destination_principal", "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-ratings", "response_code", "200");
    expected.forEach((label, value) -> assertEquals(value, ratings.label(label), label + " in " + ratings.labels()));
    PromText.Sample plain = metrics.one("istio_requests_total", Map.of("destination_service", "plain"));
    for (String label : List.of("destination_workload", "destination_app", "destination_version", "destination_principal",
        "destination_cluster", "destination_workload_namespace")) {
      assertEquals("unknown", plain.label(label), label + ": an endpoint without a known workload");
    }

    // A reload that changes the endpoint's workload relabels its requests; the old series keeps its count.
    gateway.reload(config("").replace("version: v2", "version: v3"));
    assertEquals(200, gateway.get("/", Map.of("host", "ratings.test")).status());
    metrics = scrape();
    assertEquals(1, metrics.one("istio_requests_total", Map.of("destination_service", "ratings", "destination_version", "v3")).value());
    assertEquals(1, metrics.one("istio_requests_total", Map.of("destination_service", "ratings", "destination_version", "v2")).value());
  }

  @Test
  void eitherFamilyCanBeTurnedOff() {
    gateway.get("/", Map.of("host", "plain.test"));
    assertTrue(scrape().names().contains("istio_requests_total"));

    gateway.reload(config("  metrics: { istio: false }"));
    gateway.get("/", Map.of("host", "plain.test"));
    PromText metrics = scrape();
    assertFalse(metrics.names().stream().anyMatch(n -> n.startsWith("istio_")), metrics.names().toString());
    assertTrue(metrics.names().contains("gatehouse_requests_total"));

    gateway.reload(config("  metrics: { gatehouse: false }"));
    gateway.get("/", Map.of("host", "plain.test"));
    metrics = scrape();
    assertFalse(metrics.names().contains("gatehouse_requests_total"), metrics.names().toString());
    assertFalse(metrics.names().contains("gatehouse_request_duration_seconds_count"));
    assertEquals(1, metrics.one("istio_requests_total", Map.of("destination_service", "plain")).value(),
        "the Istio family starts again from zero");
  }
}
