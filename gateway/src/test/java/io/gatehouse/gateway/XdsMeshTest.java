package io.gatehouse.gateway;

import static io.gatehouse.gateway.XdsControlPlane.blackHole;
import static io.gatehouse.gateway.XdsControlPlane.endpoints;
import static io.gatehouse.gateway.XdsControlPlane.httpListener;
import static io.gatehouse.gateway.XdsControlPlane.istioHttpFilters;
import static io.gatehouse.gateway.XdsControlPlane.istioMutualCluster;
import static io.gatehouse.gateway.XdsControlPlane.path;
import static io.gatehouse.gateway.XdsControlPlane.prefix;
import static io.gatehouse.gateway.XdsControlPlane.route;
import static io.gatehouse.gateway.XdsControlPlane.routes;
import static io.gatehouse.gateway.XdsControlPlane.snapshot;
import static io.gatehouse.gateway.XdsControlPlane.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.gatehouse.admin.source.Backoff;
import io.gatehouse.admin.source.xds.XdsSource;
import io.gatehouse.certs.mesh.WorkloadIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway joining a STRICT mesh for real: a real xDS control plane (Envoy's Java control
 * plane) pushes Bookinfo as istiod renders it for an ingress gateway whose DestinationRules say
 * {@code ISTIO_MUTUAL}; the test mesh CA (Istio's CreateCertificate over gRPC) issues the
 * gateway's workload certificate; the upstreams are sidecar-like TLS servers that require a client
 * certificate from the mesh root and present SPIFFE certificates. Requests get through with the
 * gateway's SPIFFE id, an upstream with an unexpected id is refused, a broken RDS is NACKed while
 * traffic flows on, and the workload certificate rotates under load without a failed request.
 */
class XdsMeshTest {
  static final String GATEWAY_ID = "spiffe://cluster.local/ns/istio-system/sa/gatehouse";
  static final String PRODUCTPAGE_ID = "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage";
  static final String REVIEWS_ID = "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews";
  static final String RATINGS_ID = "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-ratings";
  static final String DETAILS_ID = "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-details";
  static final String PRODUCTPAGE = "outbound|9080||productpage.bookinfo.svc.cluster.local";
  static final String REVIEWS = "outbound|9080||reviews.bookinfo.svc.cluster.local";
  static final String RATINGS = "outbound|9080||ratings.bookinfo.svc.cluster.local";
  static final String LISTENER = "0.0.0.0_8080";
  static final String NODE = "router~127.0.0.1~gatehouse-mesh.istio-system~istio-system.svc.cluster.local";

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  MeshCa ca;
  MeshSidecar productpage;
  MeshSidecar reviews;
  /** Listed in CDS as ratings (expected id bookinfo-ratings) but presents details' identity. */
  MeshSidecar impostor;
  XdsControlPlane plane;

  @BeforeEach
  void start() {
    ca = closing(MeshCa.start(dir, Duration.ofHours(1)));
    productpage = closing(MeshSidecar.start(vertx, ca, "productpage", PRODUCTPAGE_ID));
    reviews = closing(MeshSidecar.start(vertx, ca, "reviews", REVIEWS_ID));
    impostor = closing(MeshSidecar.start(vertx, ca, "ratings", DETAILS_ID));
    plane = closing(new XdsControlPlane());
  }

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

  private static String sni(String cluster) {
    String[] parts = cluster.split("\\|");
    return "outbound_." + parts[1] + "_._." + parts[3];
  }

  /** Bookinfo's ingress as istiod sends it, every cluster ISTIO_MUTUAL; {@code extra} routes go last. */
  private Snapshot bookinfo(String version, Route... extra) {
    List<Route> rs = new ArrayList<>(List.of(
        route("productpage", path("/productpage"), to(PRODUCTPAGE)),
        route("reviews", prefix("/reviews"), to(REVIEWS)),
        route("ratings", prefix("/ratings"), to(RATINGS))));
    rs.addAll(List.of(extra));
    return snapshot(version,
        List.of(istioMutualCluster(PRODUCTPAGE, sni(PRODUCTPAGE), PRODUCTPAGE_ID),
            istioMutualCluster(REVIEWS, sni(REVIEWS), REVIEWS_ID, "spiffe://cluster.local/ns/bookinfo/sa/reviews-v2"),
            istioMutualCluster(RATINGS, sni(RATINGS), RATINGS_ID), blackHole()),
        List.of(endpoints(PRODUCTPAGE, productpage.port()), endpoints(REVIEWS, reviews.port()),
            endpoints(RATINGS, impostor.port())),
        List.of(httpListener(LISTENER, "127.0.0.1", 0, "http.8080", istioHttpFilters())),
        List.of(routes("http.8080", List.of("*"), rs)), List.of());
  }

  private String meshIdentity(String lifetime) throws Exception {
    Path token = Files.writeString(dir.resolve("istio-token"), ca.token);
    return """
        meshIdentity:
          namespace: istio-system
          serviceAccount: gatehouse
          caAddress: "%s"
          caCert: "%s"
          tokenFile: "%s"
          lifetime: %s
        """.formatted(ca.address(), ca.rootFile, token, lifetime);
  }

  private TestGateway gateway(String yaml) {
    return closing(TestGateway.startRaw("admin: { port: 0 }\n" + yaml, 1, o -> o.withAllowEmpty(true)));
  }

  private XdsSource xds(TestGateway gateway) {
    return gateway.gatehouse.addXds(new XdsSource.Settings("127.0.0.1", plane.port(), NODE, Optional.empty(),
        Optional.empty(), Map.of(), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1))));
  }

  @Test
  void servesBookinfoThroughIstioMutualRefusesAnUnexpectedIdentityAndKeepsServingAcrossANack() throws Exception {
    // istiod's way: xDS over TLS with a serving certificate from the mesh root (port 15012).
    var serving = ca.factory.server(ca.root, Duration.ofDays(30), "localhost", "127.0.0.1");
    plane = closing(new XdsControlPlane(io.grpc.TlsServerCredentials.create(
        new java.io.ByteArrayInputStream(serving.certificatePem().getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
        new java.io.ByteArrayInputStream(serving.privateKeyPem(io.gatehouse.certs.KeyFormat.PKCS8)
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII)))));
    plane.set(bookinfo("1"));
    // The config declares the control plane; with a meshIdentity and no caCert, TLS trusts the mesh root.
    TestGateway gateway = gateway(meshIdentity("1h") + """
        xds:
          - { address: "127.0.0.1:%d", nodeId: "%s", tokenFile: "%s" }
        """.formatted(plane.port(), NODE, dir.resolve("istio-token")));
    assertEquals(1, gateway.gatehouse.xdsSources().size());
    XdsSource source = gateway.gatehouse.xdsSources().get(0);
    assertEquals("xds:127.0.0.1:" + plane.port(), source.name());
    awaitServing(gateway, "/productpage", "productpage");
    assertEquals(NODE, plane.nodes().get(0).getId());
    assertEquals("Bearer " + ca.token, plane.authorizations.get(0), "the block's token file is sent as a bearer token");

    // Through mesh mTLS: the sidecar saw the gateway's SPIFFE id, and Istio's SNI from the cluster.
    assertEquals(Set.of(GATEWAY_ID), Set.copyOf(productpage.clientIds));
    assertEquals(Set.of(sni(PRODUCTPAGE)), productpage.snis);
    HttpResponse<String> r = get(gateway, "/reviews/1");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("reviews", r.headers().firstValue("x-upstream").orElse(""));
    assertEquals(Set.of(GATEWAY_ID), Set.copyOf(reviews.clientIds));

    // An upstream whose certificate names another identity than the cluster's: refused before any request.
    HttpResponse<String> wrong = get(gateway, "/ratings/1");
    assertEquals(503, wrong.statusCode(), wrong.body());
    assertEquals("upstream_tls_failure", wrong.headers().firstValue("x-gatehouse-reason").orElse(""));
    assertEquals(0, impostor.served.get(), "no request reached the unexpected identity");
    Await.until("the access log names both identities", 10, () -> gateway.accessLog().contains(DETAILS_ID + " is not one of the expected"));
    assertTrue(gateway.accessLog().contains(RATINGS_ID), gateway.accessLog());

    // Load while the control plane pushes a broken RDS: NACKed naming resource and field; nothing fails.
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Thread> load = load(gateway, List.of("/productpage", "/reviews/1"), running, ok, failures);
    Await.until("load is flowing", 30, () -> ok.get() >= 10 || !failures.isEmpty());
    Route bad = Route.newBuilder().setName("broken").setMatch(RouteMatch.newBuilder()
        .setSafeRegex(RegexMatcher.newBuilder().setRegex("/details/(["))).setRoute(to(PRODUCTPAGE)).build();
    long servedBefore = ok.get();
    plane.set(bookinfo("2", bad));
    Await.until("RDS NACKed", 30, () -> source.nacks("rds") > 0);
    Await.until("the NACK reached the control plane", 30, () -> plane.requests.stream().anyMatch(q -> q.hasErrorDetail()
        && q.getErrorDetail().getMessage().contains("RouteConfiguration \"http.8080\": virtual_hosts[0].routes[3].match.safe_regex.regex")));
    Await.until("traffic keeps flowing on the last good config", 30, () -> ok.get() >= servedBefore + 20 || !failures.isEmpty());
    running.set(false);
    for (Thread t : load) {
      t.join();
    }
    assertTrue(failures.isEmpty(), failures.size() + " failed of " + (ok.get() + failures.size()) + ": " + failures.peek());
    String error = sync(gateway).getString("lastError");
    assertTrue(error.contains("RouteConfiguration \"http.8080\": virtual_hosts[0].routes[3].match.safe_regex.regex:"), error);
    assertEquals(0, source.nacks("cds"), "the ISTIO_MUTUAL clusters were accepted");
    assertEquals("productpage", get(gateway, "/productpage").headers().firstValue("x-upstream").orElse(""));
  }

  @Test
  void withoutMeshIdentityIstioMutualRoutesAnswer503SayingSoUntilTheConfigHasOne() throws Exception {
    plane.set(bookinfo("1"));
    TestGateway gateway = gateway("");
    XdsSource source = xds(gateway);
    Await.until("the xDS listener answers", 30, () -> gateway.gatehouse.listenerPort(LISTENER) > 0
        && status(gateway, "/productpage") == 503);
    HttpResponse<String> r = get(gateway, "/productpage");
    // The gateway's standard error: JSON with the request id the response header carries.
    assertEquals("cluster_not_found", r.headers().firstValue("x-gatehouse-reason").orElse(""));
    assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
    JsonObject error = new JsonObject(r.body());
    assertEquals("cluster_not_found", error.getString("reason"), r.body());
    assertEquals("no cluster serves this route", error.getString("error"), r.body());
    String requestId = r.headers().firstValue("x-request-id").orElse("");
    assertTrue(!requestId.isEmpty(), r.headers().map().toString());
    assertEquals(requestId, error.getString("requestId"), r.body());
    Await.until("the access log line", 10, () -> gateway.accessLog().contains("\"requestId\":\"" + requestId + "\""));
    String line = gateway.accessLog().lines().filter(l -> l.contains(requestId)).findFirst().orElseThrow();
    assertTrue(line.contains("\"responseFlags\":\"NC\"") && line.contains("cluster_not_found"), line);
    String warnings = sync(gateway).getJsonArray("warnings").encode();
    assertTrue(warnings.contains("route http.8080/*/productpage: cluster " + PRODUCTPAGE + " is not served: Istio mutual TLS"
        + " (ISTIO_MUTUAL) needs the gateway's own workload certificate: add a meshIdentity block"), warnings);
    assertEquals(0, productpage.served.get());

    // The config gets a meshIdentity: the same xDS resources (the snapshot is not changed) now serve.
    gateway.write("admin: { port: 0 }\n" + meshIdentity("1h"));
    awaitServing(gateway, "/productpage", "productpage");
    assertEquals(Set.of(GATEWAY_ID), Set.copyOf(productpage.clientIds));
    assertEquals(0, source.nacks("cds") + source.nacks("rds") + source.nacks("lds"));
    assertTrue(!sync(gateway).getJsonArray("warnings").encode().contains("meshIdentity"), sync(gateway).encode());
  }

  @Test
  void rotatesTheWorkloadCertificateUnderLoadWithoutAFailedRequest() throws Exception {
    plane.set(bookinfo("1"));
    // A 6 s certificate is renewed about every 3 s.
    TestGateway gateway = gateway(meshIdentity("6s"));
    xds(gateway);
    awaitServing(gateway, "/productpage", "productpage");
    WorkloadIdentity identity = gateway.gatehouse.dataplane().identities().serving().orElseThrow();
    long startGeneration = identity.current().generation();

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Thread> load = load(gateway, List.of("/productpage", "/reviews/1", "/productpage", "/reviews/2"), running, ok, failures);
    try {
      Await.until("two renewals under load", 60, () -> identity.current().generation() >= startGeneration + 2
          || failures.size() >= 5);
      long atSecondRenewal = ok.get();
      Await.until("traffic after the second renewal", 30, () -> ok.get() >= atSecondRenewal + 50 || failures.size() >= 5);
    } finally {
      running.set(false);
      for (Thread t : load) {
        t.join();
      }
    }
    System.out.printf("xDS mesh: %d requests across %d renewals, %d failed; client serials seen: productpage %d, reviews %d%n",
        ok.get(), identity.current().generation() - startGeneration, failures.size(), productpage.clientSerials.size(),
        reviews.clientSerials.size());
    assertTrue(failures.isEmpty(), failures.size() + " failed of " + (ok.get() + failures.size()) + ": " + failures.peek());
    assertTrue(identity.current().generation() >= startGeneration + 2, "two renewals happened under load");
    Set<String> serials = new java.util.HashSet<>(productpage.clientSerials);
    serials.addAll(reviews.clientSerials);
    assertTrue(serials.size() >= 2, "the upstreams saw the renewed certificates: " + serials);
    assertEquals(Set.of(GATEWAY_ID), Set.copyOf(productpage.clientIds));
  }

  /** Client threads sending GETs to {@code paths} until {@code running} turns false. */
  private List<Thread> load(TestGateway gateway, List<String> paths, AtomicBoolean running, AtomicInteger ok,
                            ConcurrentLinkedQueue<String> failures) {
    List<Thread> threads = new ArrayList<>();
    for (String p : paths) {
      Thread t = new Thread(() -> {
        while (running.get()) {
          try {
            HttpResponse<String> r = get(gateway, p);
            if (r.statusCode() == 200) {
              ok.incrementAndGet();
            } else {
              failures.add(p + " -> " + r.statusCode() + " " + r.headers().firstValue("x-gatehouse-reason").orElse("")
                  + " " + r.body());
            }
          } catch (Exception e) {
            failures.add(p + " -> " + e);
          }
        }
      }, "load" + p);
      t.start();
      threads.add(t);
    }
    return threads;
  }

  private void awaitServing(TestGateway gateway, String path, String upstream) {
    try {
      Await.until(path + " served by " + upstream, 60, () -> gateway.gatehouse.listenerPort(LISTENER) > 0
          && upstream.equals(upstream(gateway, path)));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last: " + last + "; /sync: " + gateway.admin("/sync").body()
          + "; /mesh/identity: " + gateway.admin("/mesh/identity").body(), e);
    }
  }

  private volatile String last = "";

  private String upstream(TestGateway gateway, String path) {
    try {
      HttpResponse<String> r = get(gateway, path);
      last = path + " -> " + r.statusCode() + " " + r.body();
      return r.headers().firstValue("x-upstream").orElse("");
    } catch (Exception e) {
      last = path + " -> " + e;
      return "";
    }
  }

  private int status(TestGateway gateway, String path) {
    try {
      return get(gateway, path).statusCode();
    } catch (Exception e) {
      return 0;
    }
  }

  private HttpResponse<String> get(TestGateway gateway, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gatehouse.listenerPort(LISTENER) + path))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject sync(TestGateway gateway) {
    JsonArray sources = new JsonObject(gateway.admin("/sync").body()).getJsonArray("sources");
    for (int i = 0; i < sources.size(); i++) {
      if (sources.getJsonObject(i).getString("name").startsWith("xds:")) {
        return sources.getJsonObject(i);
      }
    }
    throw new AssertionError("no xds source in /sync: " + sources.encode());
  }
}
