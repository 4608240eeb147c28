package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.certs.IssuedCert;
import io.gatehouse.certs.KeyFormat;
import io.gatehouse.certs.mesh.WorkloadIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ISTIO_MUTUAL to sidecar-like upstreams: HTTPS servers that require a client certificate from
 * the mesh root and present a SPIFFE workload certificate, as an Envoy sidecar in a STRICT mesh.
 * The gateway presents the workload certificate it gets from the test CA (renewed every ~3s),
 * sends Istio's SNI, and verifies the upstream's SPIFFE id.
 */
class MeshUpstreamTest {
  static final String REVIEWS = "spiffe://cluster.local/ns/shop/sa/reviews";
  static final String GATEWAY = "spiffe://cluster.local/ns/istio-system/sa/gatehouse";

  @TempDir Path dir;
  Vertx vertx;
  MeshCa ca;
  HttpServer sidecar;
  TestGateway gateway;
  final List<String> clientIds = new CopyOnWriteArrayList<>();
  final Set<String> clientSerials = ConcurrentHashMap.newKeySet();
  final Set<String> snis = ConcurrentHashMap.newKeySet();
  final AtomicInteger served = new AtomicInteger();
  final List<String> sidecarErrors = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    ca = MeshCa.start(dir, Duration.ofHours(1));
    IssuedCert workload = ca.workload(REVIEWS);
    // BoringSSL, as Envoy: the JDK's engine refuses Istio's SNI (underscores are not LDH).
    sidecar = Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true)
            .setSslEngineOptions(new io.vertx.core.net.OpenSSLEngineOptions())
            .setClientAuth(ClientAuth.REQUIRED)
            .setKeyCertOptions(new PemKeyCertOptions().addCertValue(Buffer.buffer(workload.certificatePem()))
                .addKeyValue(Buffer.buffer(workload.privateKeyPem(KeyFormat.PKCS8))))
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.root.certificatePem()))))
        .requestHandler(req -> {
          try {
            X509Certificate peer = (X509Certificate) req.connection().peerCertificates().get(0);
            clientIds.add(String.valueOf(peer.getSubjectAlternativeNames().iterator().next().get(1)));
            clientSerials.add(peer.getSerialNumber().toString(16));
          } catch (Exception e) {
            clientIds.add("none: " + e);
          }
          snis.add(String.valueOf(req.connection().indicatedServerName()));
          // Every 10th answer closes its connection, so traffic keeps making new handshakes.
          if (served.incrementAndGet() % 10 == 0) {
            req.response().putHeader("connection", "close");
          }
          req.response().end("reviews");
        })
        .exceptionHandler(e -> sidecarErrors.add(String.valueOf(e)))
        .listen(0, "127.0.0.1"));
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    ca.close();
    vertx.close();
  }

  private String meshIdentity(String lifetime) throws IOException {
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

  /** A gateway whose certificates live an hour (the renewal test passes its own lifetime). */
  private TestGateway gatewayTo(String tls) throws IOException {
    return gatewayTo(tls, "1h");
  }

  private TestGateway gatewayTo(String tls, String lifetime) throws IOException {
    gateway = TestGateway.start(meshIdentity(lifetime) + """
        upstreams: [{ name: reviews, endpoints: ["localhost:%d"], tls: %s }]
        routes: [{ name: r, hosts: ["*"], backends: [{ upstream: reviews }] }]
        """.formatted(sidecar.actualPort(), tls));
    Await.result(gateway.gatehouse.dataplane().identities().serving().orElseThrow().ready());
    return gateway;
  }

  @Test
  void continuousTrafficThroughIstioMutualSurvivesTwoRenewalsWithoutAFailure() throws Exception {
    gatewayTo("{ mode: MESH, subjectAltNames: [\"" + REVIEWS + "\"] }", "6s");
    WorkloadIdentity identity = gateway.gatehouse.dataplane().identities().serving().orElseThrow();
    long startGeneration = identity.current().generation();
    List<String> failures = new CopyOnWriteArrayList<>();
    AtomicInteger ok = new AtomicInteger();
    List<Thread> clients = new java.util.ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (int c = 0; c < 4; c++) {
      Thread t = new Thread(() -> {
        while (failures.size() < 5 && System.nanoTime() < deadline
            && (identity.current().generation() < startGeneration + 2 || ok.get() < 200)) {
          try {
            HttpResponse<String> r = gateway.client().send(gateway.request("/reviews", java.util.Map.of()).build(),
                HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && r.body().equals("reviews")) {
              ok.incrementAndGet();
            } else {
              failures.add(r.statusCode() + " " + r.headers().firstValue("x-gatehouse-reason").orElse("") + " " + r.body());
            }
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
      });
      t.start();
      clients.add(t);
    }
    for (Thread t : clients) {
      t.join();
    }
    assertEquals(List.of(), failures, "sidecar: " + sidecarErrors);
    assertTrue(identity.current().generation() >= startGeneration + 2, "two renewals happened under load");
    assertTrue(ok.get() >= 200, ok.get() + " requests");
    assertEquals(Set.of(GATEWAY), Set.copyOf(clientIds), "the sidecar saw the gateway's SPIFFE id");
    assertTrue(clientSerials.size() >= 2, "new handshakes used the renewed certificates: " + clientSerials);
    assertEquals(Set.of("outbound_." + sidecar.actualPort() + "_._.localhost"), snis, "Istio's SNI");
  }

  @Test
  void anUpstreamWithAnotherIdentityIsRefusedWithTheReason() throws Exception {
    gatewayTo("{ mode: MESH, subjectAltNames: [\"spiffe://cluster.local/ns/shop/sa/ratings\"] }");
    TestGateway.TestResponse r = gateway.get("/reviews");
    assertEquals(503, r.status());
    assertEquals("upstream_tls_failure", r.header("x-gatehouse-reason"));
    Await.until("the access log line", 5, () -> gateway.accessLog().contains("is not one of the expected"));
    String log = gateway.accessLog();
    assertTrue(log.contains(REVIEWS) && log.contains("spiffe://cluster.local/ns/shop/sa/ratings"), log);
    assertTrue(log.contains("\"failure\":\"upstream_tls_failure: localhost:" + sidecar.actualPort() + ": upstream reviews: identity "
        + REVIEWS + " is not one of the expected"), log);
    assertEquals(List.of(), clientIds, "no request reached the wrong identity");
  }

  /** A gateway to the sidecar as one endpoint whose workload runs as {@code serviceAccount} in namespace shop. */
  private TestGateway gatewayToWorkload(String serviceAccount) throws IOException {
    gateway = TestGateway.start(meshIdentity("1h") + """
        upstreams:
          - name: reviews
            endpoints:
              - address: "localhost:%d"
                workload: { name: reviews-v1, namespace: shop, serviceAccount: %s, app: reviews, version: v1 }
            tls: { mode: MESH }
        routes: [{ name: r, hosts: ["*"], backends: [{ upstream: reviews }], retries: { attempts: 0 } }]
        """.formatted(sidecar.actualPort(), serviceAccount));
    Await.result(gateway.gatehouse.dataplane().identities().serving().orElseThrow().ready());
    return gateway;
  }

  @Test
  void withoutSubjectAltNamesEachEndpointMustPresentItsWorkloadsIdentity() throws Exception {
    gatewayToWorkload("reviews");
    TestGateway.TestResponse r = gateway.get("/reviews");
    assertEquals(200, r.status(), r.body() + gateway.accessLog());
    assertEquals("reviews", r.body());
    PromText.Sample sample = PromText.parse(gateway.admin("/metrics").body())
        .one("istio_requests_total", Map.of("destination_service", "reviews", "response_code", "200"));
    Map<String, String> expected = Map.of("destination_principal", REVIEWS, "destination_workload", "reviews-v1",
        "destination_workload_namespace", "shop", "destination_app", "reviews", "destination_version", "v1");
    expected.forEach((label, value) -> assertEquals(value, sample.label(label), label + " in " + sample.labels()));
  }

  @Test
  void anEndpointPresentingAnotherWorkloadsIdentityIsRefusedWithTheReason() throws Exception {
    gatewayToWorkload("ratings");
    TestGateway.TestResponse r = gateway.get("/reviews");
    assertEquals(503, r.status(), r.body());
    assertEquals("upstream_tls_failure", r.header("x-gatehouse-reason"));
    Await.until("the access log line", 5, () -> gateway.accessLog().contains("is not the expected"));
    String log = gateway.accessLog();
    assertTrue(log.contains("\"failure\":\"upstream_tls_failure: localhost:" + sidecar.actualPort() + ": upstream reviews: identity "
        + REVIEWS + " is not the expected spiffe://cluster.local/ns/shop/sa/ratings of the workload at endpoint localhost:"
        + sidecar.actualPort()), log);
    assertTrue(log.contains("\"responseFlags\":\"UF") || !log.contains("responseFlags"), log);
    assertEquals(List.of(), clientIds, "no request reached the wrong workload");
  }

  /**
   * Two endpoints that both reach the sidecar (which presents {@link #REVIEWS}): {@code localhost}
   * with no workload known, and {@code 127.0.0.1} whose workload runs as {@code serviceAccount};
   * no retries, so each request's one try shows in the access log.
   */
  private TestGateway gatewayToUnknownBeside(String serviceAccount) throws IOException {
    gateway = TestGateway.start(meshIdentity("1h") + """
        upstreams:
          - name: reviews
            endpoints:
              - "localhost:%1$d"
              - address: "127.0.0.1:%1$d"
                workload: { name: reviews-v1, namespace: shop, serviceAccount: %2$s }
            tls: { mode: MESH }
        routes: [{ name: r, hosts: ["*"], backends: [{ upstream: reviews }], retries: { attempts: 0 } }]
        """.formatted(sidecar.actualPort(), serviceAccount));
    Await.result(gateway.gatehouse.dataplane().identities().serving().orElseThrow().ready());
    return gateway;
  }

  @Test
  void anEndpointWithoutAKnownWorkloadIsHeldToTheKnownIdentitiesNotTheTrustDomain() throws Exception {
    gatewayToUnknownBeside("ratings");
    String unknown = "the workload at endpoint localhost:" + sidecar.actualPort() + " is not known";
    // Round robin without retries: every other request tries the endpoint without a workload, refused
    // although its identity is of the trust domain, since it is none of the upstream's known ones.
    for (int i = 0; i < 4; i++) {
      TestGateway.TestResponse r = gateway.get("/reviews");
      assertEquals(503, r.status(), r.body());
      assertEquals("upstream_tls_failure", r.header("x-gatehouse-reason"));
    }
    Await.until("four access log lines", 10, () -> gateway.accessLog().lines().count() >= 4);
    assertTrue(gateway.accessLog().contains(unknown), gateway.accessLog());
    assertTrue(gateway.accessLog().contains("upstream reviews: identity " + REVIEWS
        + " is not one of the identities of the upstream's known workloads [spiffe://cluster.local/ns/shop/sa/ratings]"
        + " (" + unknown + ")"), gateway.accessLog());
    assertEquals(List.of(), clientIds, "no request reached an endpoint with an identity the upstream does not know");
    assertEquals(0, served.get());
  }

  @Test
  void anEndpointWithoutAKnownWorkloadIsServedWhenItPresentsAKnownIdentity() throws Exception {
    gatewayToUnknownBeside("reviews");
    for (int i = 0; i < 4; i++) {
      TestGateway.TestResponse r = gateway.get("/reviews");
      assertEquals(200, r.status(), r.body() + gateway.accessLog());
    }
    // The access log line is written once the response has ended, so it may follow the client's read of it.
    Await.until("four access log lines", 10, () -> gateway.accessLog().lines().count() >= 4);
    assertTrue(gateway.accessLog().contains("\"endpoint\":\"localhost:" + sidecar.actualPort() + "\""), gateway.accessLog());
  }

  @Test
  void anyIdentityOfTheTrustDomainWhenNoneIsNamed() throws Exception {
    gatewayTo("{ mode: MESH }");
    TestGateway.TestResponse r = gateway.get("/reviews");
    assertEquals(200, r.status(), r.body() + gateway.accessLog());
    // No workload known for the endpoint: the principal is the identity its handshake verified.
    PromText.Sample sample = PromText.parse(gateway.admin("/metrics").body())
        .one("istio_requests_total", Map.of("destination_service", "reviews", "response_code", "200"));
    assertEquals(REVIEWS, sample.label("destination_principal"), sample.labels().toString());
    assertEquals("unknown", sample.label("destination_workload"));
  }

  @Test
  void theSidecarRefusesTlsWithoutTheMeshClientCertificate() throws Exception {
    Path root = ca.rootFile;
    gateway = TestGateway.start("""
        upstreams: [{ name: reviews, endpoints: ["localhost:%d"], tls: { caCert: "%s", verifyHostname: false } }]
        routes: [{ name: r, hosts: ["*"], backends: [{ upstream: reviews }] }]
        """.formatted(sidecar.actualPort(), root));
    TestGateway.TestResponse r = gateway.get("/reviews");
    assertTrue(r.status() == 503 || r.status() == 502, r.status() + " " + r.body());
    assertEquals(List.of(), clientIds, "nothing was served without mesh mTLS");
    // A plain TLS client (no certificate) gets no answer either.
    io.vertx.core.http.HttpClient plain = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    var attempt = plain.request(HttpMethod.GET, sidecar.actualPort(), "localhost", "/").compose(req -> req.send());
    Await.until("the handshake to fail", 10, () -> attempt.failed());
    assertEquals(0, served.get());
    plain.close(); // also keeps it reachable until here (Vert.x closes unreachable clients)
  }
}
