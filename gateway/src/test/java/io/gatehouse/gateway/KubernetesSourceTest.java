package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.gatehouse.admin.source.kubernetes.KubernetesSource;
import io.gatehouse.admin.source.kubernetes.KubernetesStatus;
import io.gatehouse.certs.CertFactory;
import io.gatehouse.certs.IssuedCert;
import io.gatehouse.certs.KeyFormat;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes source against fabric8's mock API server in CRUD mode: real Istio and Gateway API
 * resources are applied, changed and deleted while requests flow through the real gateway to
 * real upstreams.
 */
class KubernetesSourceTest {
  private static final Map<String, ResourceDefinitionContext> KINDS = Map.ofEntries(
      kind("networking.istio.io", "v1", "Gateway", "gateways"),
      kind("networking.istio.io", "v1", "VirtualService", "virtualservices"),
      kind("networking.istio.io", "v1", "DestinationRule", "destinationrules"),
      kind("networking.istio.io", "v1", "ServiceEntry", "serviceentries"),
      kind("security.istio.io", "v1", "RequestAuthentication", "requestauthentications"),
      kind("security.istio.io", "v1", "AuthorizationPolicy", "authorizationpolicies"),
      kind("gateway.networking.k8s.io", "v1", "Gateway", "gateways"),
      kind("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"),
      kind("gateway.networking.k8s.io", "v1", "GRPCRoute", "grpcroutes"),
      kind("", "v1", "Service", "services"),
      kind("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices"),
      kind("", "v1", "Secret", "secrets"),
      kind("", "v1", "Pod", "pods"));

  private KubernetesMockServer server;
  private NamespacedKubernetesClient kube;
  private Vertx vertx;
  private EchoUpstream a;
  private EchoUpstream b;
  private TestGateway gateway;

  @BeforeEach
  void start() {
    List<CustomResourceDefinitionContext> crds = KINDS.values().stream().filter(k -> !k.getGroup().isEmpty())
        .map(k -> new CustomResourceDefinitionContext.Builder().withGroup(k.getGroup()).withVersion(k.getVersion())
            .withKind(k.getKind()).withPlural(k.getPlural()).withScope("Namespaced")
            .withStatusSubresource(k.getGroup().equals("gateway.networking.k8s.io")).build())
        .toList();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(crds), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    kube = server.createClient();
    vertx = Vertx.vertx();
    a = EchoUpstream.start(vertx, "a");
    b = EchoUpstream.start(vertx, "b");
    apply(service("echo"));
    apply(service("other"));
    apply(slice("echo", a.port()));
    apply(slice("other", b.port()));
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    a.close();
    b.close();
    vertx.close();
    kube.close();
    server.destroy();
  }

  @Test
  void istioResourcesRouteTrafficAndFollowChanges() {
    apply(ISTIO_GATEWAY);
    apply(virtualService("echo"));
    startGateway();
    awaitUpstream("/api/x", "a");

    apply(virtualService("other"));
    awaitUpstream("/api/x", "b");

    apply(slice("other", a.port()));
    awaitUpstream("/api/x", "a");

    kube.genericKubernetesResources(KINDS.get("networking.istio.io/VirtualService")).inNamespace("shop")
        .withName("shop").delete();
    Await.until("404 once the VirtualService is deleted", 10, () -> get("/api/x").status() == 404);
  }

  @Test
  void istioSecurityPoliciesAreEnforcedAndFollowChanges() {
    com.nimbusds.jose.jwk.RSAKey key = Jwts.rsa("k1");
    apply(ISTIO_GATEWAY);
    apply(virtualService("echo"));
    apply("""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: no-admin, namespace: shop }
        spec:
          selector: { matchLabels: { istio: ingressgateway } }
          action: DENY
          rules: [{ to: [{ operation: { paths: ["/api/admin*"] } }] }]
        """);
    startGateway();
    awaitUpstream("/api/x", "a");
    Await.until("the DENY policy refuses /api/admin", 10, () -> get("/api/admin").status() == 403);

    apply("""
        apiVersion: security.istio.io/v1
        kind: RequestAuthentication
        metadata: { name: jwt, namespace: shop }
        spec:
          selector: { matchLabels: { istio: ingressgateway } }
          jwtRules: [{ issuer: "testing@secure.istio.io", jwks: '%s' }]
        """.formatted(Jwts.jwks(key)));
    apply("""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: require-jwt, namespace: shop }
        spec:
          selector: { matchLabels: { istio: ingressgateway } }
          rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }]
        """);
    Await.until("a token is required", 10, () -> get("/api/x").status() == 403);
    String token = Jwts.sign(key, Jwts.claims("testing@secure.istio.io", "alice", b -> b));
    TestGateway.TestResponse withToken = gateway.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + meshPort(80) + "/api/x"))
        .header("authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build());
    assertEquals(200, withToken.status(), withToken.body());
    assertEquals(401, gateway.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + meshPort(80) + "/api/x"))
        .header("authorization", "Bearer " + token + "x").timeout(Duration.ofSeconds(10)).build()).status());

    kube.genericKubernetesResources(KINDS.get("security.istio.io/AuthorizationPolicy")).inNamespace("shop")
        .withName("require-jwt").delete();
    awaitUpstream("/api/x", "a");
  }

  @Test
  void destinationRuleSubsetsPickPodsByLabel() {
    apply(pod("echo-a", "v1"));
    apply(pod("echo-b", "v2"));
    apply(slice("echo", a.port()).replace("conditions: { ready: true }", "conditions: { ready: true }, targetRef: { kind: Pod, name: echo-a }"));
    apply(slice("echo", b.port()).replace("echo-1", "echo-2")
        .replace("conditions: { ready: true }", "conditions: { ready: true }, targetRef: { kind: Pod, name: echo-b }"));
    apply("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: echo, namespace: shop }
        spec:
          host: echo.shop.svc.cluster.local
          subsets:
            - { name: v1, labels: { version: v1 } }
            - { name: v2, labels: { version: v2 } }
        """);
    apply(ISTIO_GATEWAY);
    apply(virtualService("echo, subset: v2"));
    startGateway();
    awaitUpstream("/api/x", "b");
    apply(virtualService("echo, subset: v1"));
    awaitUpstream("/api/x", "a");
  }

  @Test
  void endpointsCarryTheirPodsWorkloadAndFollowPodChanges() {
    String pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: echo-v1-5d8f7c9b6-x2x9z
          generateName: echo-v1-5d8f7c9b6-
          namespace: shop
          labels: { app: echo, version: %s, pod-template-hash: 5d8f7c9b6 }
          ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: echo-v1-5d8f7c9b6, uid: u1, controller: true }]
        spec:
          serviceAccountName: echo-sa
          containers: [{ name: echo, image: echo }]
        """;
    apply(pod.formatted("v1"));
    apply(slice("echo", a.port()).replace("conditions: { ready: true }",
        "conditions: { ready: true }, targetRef: { kind: Pod, name: echo-v1-5d8f7c9b6-x2x9z }"));
    apply(ISTIO_GATEWAY);
    apply(virtualService("echo"));
    startGateway();
    awaitUpstream("/api/x", "a");
    Await.until("the endpoint's workload from its Pod", 10, () -> echoWorkload()
        .equals(new io.gatehouse.routes.Upstream.Workload("echo-v1", "shop", "echo", "v1", "echo-sa", "", "")));

    apply(pod.formatted("v2"));
    Await.until("the Pod's new version", 10, () -> echoWorkload().version().equals("v2"));
    awaitUpstream("/api/x", "a");
  }

  private io.gatehouse.routes.Upstream.Workload echoWorkload() {
    return gateway.gatehouse.store().current().upstreams().stream()
        .filter(u -> u.name().startsWith("echo.shop.svc")).flatMap(u -> u.endpoints().stream())
        .map(io.gatehouse.routes.Upstream.Endpoint::workload).findFirst().orElse(io.gatehouse.routes.Upstream.Workload.NONE);
  }

  @Test
  void malformedResourceIsReportedWhileTheRestKeepsWorking() {
    apply(ISTIO_GATEWAY);
    apply(virtualService("echo"));
    apply("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: broken, namespace: shop }
        spec:
          hosts: ["*"]
          gateways: [public]
          http:
            - match: [{ uri: { prefix: /broken } }]
              route: [{ destination: { host: missing } }]
        """);
    startGateway();
    awaitUpstream("/api/x", "a");
    KubernetesSource source = gateway.gatehouse.kubernetesSources().get(0);
    Await.until("the broken VirtualService reported", 10,
        () -> source.kubernetesStatus().problems().containsKey("VirtualService shop/broken"));
    KubernetesStatus status = source.kubernetesStatus();
    assertTrue(status.problems().get("VirtualService shop/broken").get(0).contains(
        "spec.http[0].route[0].destination.host: \"missing\" is not a known service"), status.toString());
    assertTrue(status.lastSuccess().isPresent());
    assertEquals(404, get("/broken").status());
    // GET /sync lists the cluster as a source, the broken resource among its warnings.
    String sync = gateway.admin("/sync").body();
    assertTrue(sync.contains("\"kubernetes:") && sync.replace(" ", "").contains("\"kind\":\"kubernetes\""), sync);
    assertTrue(sync.contains("is not a known service"), sync);
  }

  @Test
  void rotatingTheTlsSecretChangesTheServedCertificate() throws IOException {
    CertFactory certs = CertFactory.ecdsa();
    IssuedCert ca = certs.ca("Test CA", Duration.ofDays(30));
    IssuedCert first = certs.server(ca, Duration.ofDays(30), "shop.example.com");
    IssuedCert second = certs.server(ca, Duration.ofDays(30), "shop.example.com");
    apply(tlsSecret(first));
    apply("""
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: public, namespace: shop }
        spec:
          selector: { istio: ingressgateway }
          servers:
            - port: { number: 443, name: https, protocol: HTTPS }
              hosts: ["shop.example.com"]
              tls: { mode: SIMPLE, credentialName: shop-cert }
        """);
    apply(virtualService("echo").replace("hosts: [\"*\"]", "hosts: [shop.example.com]"));
    startGateway();
    Await.until("the first certificate served", 15, () -> first.certificate().getSerialNumber().equals(servedSerial()));
    Path firstKey = Path.of(gateway.gatehouse.store().current().listeners().get(0).tls().certificates().get(0).key());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(firstKey)));
    apply(tlsSecret(second));
    Await.until("the rotated certificate served", 15, () -> second.certificate().getSerialNumber().equals(servedSerial()));
    Await.until("the first Secret's files removed", 10, () -> !Files.exists(firstKey));
  }

  @Test
  void serviceEntrySubjectAltNamesAreCheckedWhereTheDestinationRuleNamesNone(@TempDir Path dir) {
    TestCerts certs = TestCerts.in(dir);
    certs.server("partner", "*.partner.internal");
    AtomicInteger served = new AtomicInteger();
    HttpServer partner = Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(dir.resolve("partner.crt").toString())
                .setKeyPath(dir.resolve("partner.key").toString())))
        .requestHandler(req -> {
          served.incrementAndGet();
          req.response().putHeader("x-upstream", "partner").end("partner");
        })
        .listen(0, "127.0.0.1"));
    apply(ISTIO_GATEWAY);
    apply(virtualService("api.partner.example"));
    // The SNI api.partner.internal is covered by the certificate: only the ServiceEntry's names can refuse it.
    apply(partnerRule(certs.caCert(), ""));
    apply(partnerEntry(partner.actualPort(), "[billing.partner.example]"));
    startGateway();
    Await.until("503 for a certificate without the ServiceEntry's name", 15, () -> {
      TestGateway.TestResponse r = get("/api/x");
      return r.status() == 503 && "upstream_tls_failure".equals(r.header("x-gatehouse-reason"));
    });
    Await.until("the access log line", 10, () -> gateway.accessLog().contains(
        "certificate names *.partner.internal are not one of the expected [billing.partner.example]"));
    assertEquals(0, served.get(), "no request reached the upstream without the name");

    apply(partnerEntry(partner.actualPort(), "[\"spiffe://partner.example/api\", orders.partner.internal]"));
    awaitUpstream("/api/x", "partner");
    assertEquals("partner", get("/api/x").body());

    // A DestinationRule's own subjectAltNames take precedence over the ServiceEntry's (Istio's constructUpstreamTLS).
    apply(partnerRule(certs.caCert(), ", subjectAltNames: [billing.partner.example]"));
    Await.until("503 once the DestinationRule names its own", 15, () -> get("/api/x").status() == 503);
    int before = served.get();
    assertEquals(503, get("/api/x").status());
    assertEquals(before, served.get(), "no request reached the upstream without the DestinationRule's name");
  }

  private static String partnerEntry(int port, String subjectAltNames) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: partner, namespace: shop }
        spec:
          hosts: [api.partner.example]
          location: MESH_EXTERNAL
          ports: [{ number: 443, name: https, protocol: HTTPS }]
          resolution: STATIC
          endpoints: [{ address: 127.0.0.1, ports: { https: %d } }]
          subjectAltNames: %s
        """.formatted(port, subjectAltNames);
  }

  private static String partnerRule(Path ca, String more) {
    return """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: partner, namespace: shop }
        spec:
          host: api.partner.example
          trafficPolicy:
            tls: { mode: SIMPLE, sni: api.partner.internal, caCertificates: "%s"%s }
        """.formatted(ca, more);
  }

  @Test
  void aBurstOfChangesIsTranslatedFewTimes() {
    apply(ISTIO_GATEWAY);
    apply(virtualService("echo"));
    startGateway("500ms");
    awaitUpstream("/api/x", "a");
    long before = gateway.gatehouse.store().version();
    for (int i = 0; i < 10; i++) {
      apply(slice("echo", i % 2 == 0 ? a.port() : b.port()));
    }
    awaitUpstream("/api/x", "b");
    // the store's version is bumped just after the data plane swaps its snapshot
    Await.until("store version moved", 5, () -> gateway.gatehouse.store().version() > before);
    long installed = gateway.gatehouse.store().version() - before;
    assertTrue(installed >= 1 && installed <= 5, "10 changes in a burst installed " + installed + " configs");
  }

  @Test
  void gatewayApiRoutesTrafficAndGetsStatusConditions() {
    apply("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: gw, namespace: shop }
        spec:
          gatewayClassName: gatehouse
          listeners: [{ name: web, port: 80, protocol: HTTP }]
        """);
    apply("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: shop, namespace: shop }
        spec:
          parentRefs: [{ name: gw }]
          rules:
            - matches: [{ path: { type: PathPrefix, value: /api } }]
              filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier: { set: [{ name: x-env, value: prod }] }
              backendRefs: [{ name: echo, port: 80 }]
        """);
    startGateway();
    awaitUpstream("/api/x", "a");
    assertEquals("prod", a.lastRequest().header("x-env"));
    assertEquals(404, get("/apix").status(), "PathPrefix matches whole segments");
    Await.until("HTTPRoute status written", 10, () -> condition("HTTPRoute", "shop", "Accepted").equals("True"));
    assertEquals("True", condition("HTTPRoute", "shop", "ResolvedRefs"));
    Await.until("Gateway status written", 10, () -> gatewayCondition("Programmed").equals("True"));

    apply("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: dangling, namespace: shop }
        spec:
          parentRefs: [{ name: gw }]
          rules: [{ matches: [{ path: { value: /dangling } }], backendRefs: [{ name: nowhere, port: 80 }] }]
        """);
    Await.until("ResolvedRefs=False on the dangling route", 10,
        () -> condition("HTTPRoute", "dangling", "ResolvedRefs").equals("False"));
    assertEquals(200, get("/api/x").status(), "the other route keeps working");
  }

  @Test
  void virtualServiceFaultAndGatewayHttpsRedirectAreServed() {
    apply(ISTIO_GATEWAY);
    apply("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: shop, namespace: shop }
        spec:
          hosts: ["*"]
          gateways: [public]
          http:
            - match: [{ uri: { prefix: /chaos } }]
              route: [{ destination: { host: echo } }]
              fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }
            - route: [{ destination: { host: echo } }]
        """);
    startGateway();
    awaitUpstream("/api/x", "a");
    for (int i = 0; i < 5; i++) {
      TestGateway.TestResponse r = get("/chaos");
      assertEquals(418, r.status());
      assertEquals("fault_filter_abort", r.header("x-gatehouse-reason"));
    }

    apply(ISTIO_GATEWAY.replace("hosts: [\"*\"]", "hosts: [\"*\"]\n      tls: { httpsRedirect: true }"));
    Await.until("a redirect to HTTPS once the server says httpsRedirect", 15, () -> get("/api/x").status() == 301);
    assertEquals("https://127.0.0.1/api/x", get("/api/x").header("location"));
  }

  @Test
  void passthroughServerAndTlsRoutesForwardTheRawStreamBySni() throws Exception {
    io.vertx.core.net.SelfSignedCertificate cert = io.vertx.core.net.SelfSignedCertificate.create("vault.test");
    try {
      io.vertx.core.http.HttpServer vault = Await.result(vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
              .setSsl(true).setKeyCertOptions(cert.keyCertOptions()))
          .requestHandler(req -> req.response().end("vault")).listen(0, "127.0.0.1"));
      apply(service("vault"));
      apply(slice("vault", vault.actualPort()));
      apply("""
          apiVersion: networking.istio.io/v1
          kind: Gateway
          metadata: { name: tls, namespace: shop }
          spec:
            selector: { istio: ingressgateway }
            servers:
              - port: { number: 443, name: tls, protocol: TLS }
                hosts: ["*.test"]
                tls: { mode: PASSTHROUGH }
          """);
      apply("""
          apiVersion: networking.istio.io/v1
          kind: VirtualService
          metadata: { name: vault, namespace: shop }
          spec:
            hosts: [vault.test]
            gateways: [tls]
            tls:
              - match: [{ sniHosts: [vault.test] }]
                route: [{ destination: { host: vault } }]
          """);
      startGateway();
      Await.until("the upstream's own certificate served for SNI vault.test", 15,
          () -> "CN=vault.test".equals(servedSubject("vault.test")));
    } finally {
      cert.delete();
    }
  }

  @Test
  void grpcRouteMatchesMethodsAndSpeaksHttp2ToItsBackend() {
    io.vertx.core.http.HttpServer grpc = Await.result(vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
            .setHttp2ClearTextEnabled(true))
        .requestHandler(req -> req.response().end(req.version().name() + " " + req.path())).listen(0, "127.0.0.1"));
    apply(service("greeter"));
    apply(slice("greeter", grpc.actualPort()));
    apply("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: gw, namespace: shop }
        spec:
          gatewayClassName: gatehouse
          listeners: [{ name: web, port: 80, protocol: HTTP }]
        """);
    apply("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: { name: greeter, namespace: shop }
        spec:
          parentRefs: [{ name: gw }]
          rules:
            - matches: [{ method: { service: helloworld.Greeter, method: SayHello } }]
              backendRefs: [{ name: greeter, port: 80 }]
        """);
    startGateway();
    Await.until("the GRPCRoute served", 15, () -> get("/helloworld.Greeter/SayHello").status() == 200);
    assertEquals("HTTP_2 /helloworld.Greeter/SayHello", get("/helloworld.Greeter/SayHello").body());
    assertEquals(404, get("/helloworld.Greeter/SayBye").status(), "another method is not routed");
    Await.until("GRPCRoute status written", 10, () -> condition("GRPCRoute", "greeter", "Accepted").equals("True"));
  }

  // --- the cluster

  private static final String ISTIO_GATEWAY = """
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: { name: public, namespace: shop }
      spec:
        selector: { istio: ingressgateway }
        servers:
          - port: { number: 80, name: http, protocol: HTTP }
            hosts: ["*"]
      """;

  private static String virtualService(String destination) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: shop, namespace: shop }
        spec:
          hosts: ["*"]
          gateways: [public]
          http:
            - match: [{ uri: { prefix: /api } }]
              route: [{ destination: { host: %s } }]
        """.formatted(destination);
  }

  private static String service(String name) {
    return """
        apiVersion: v1
        kind: Service
        metadata: { name: %s, namespace: shop }
        spec:
          ports: [{ name: http, port: 80 }]
        """.formatted(name);
  }

  private static String pod(String name, String version) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: { name: %s, namespace: shop, labels: { app: echo, version: %s } }
        """.formatted(name, version);
  }

  private static String slice(String service, int port) {
    return """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: %s-1, namespace: shop, labels: { kubernetes.io/service-name: %s } }
        addressType: IPv4
        ports: [{ name: http, port: %d }]
        endpoints:
          - { addresses: [127.0.0.1], conditions: { ready: true } }
        """.formatted(service, service, port);
  }

  private static String tlsSecret(IssuedCert cert) {
    Base64.Encoder b64 = Base64.getEncoder();
    return """
        apiVersion: v1
        kind: Secret
        metadata: { name: shop-cert, namespace: shop }
        type: kubernetes.io/tls
        data:
          tls.crt: %s
          tls.key: %s
        """.formatted(b64.encodeToString(cert.certificatePem().getBytes(StandardCharsets.US_ASCII)),
        b64.encodeToString(cert.privateKeyPem(KeyFormat.PKCS8).getBytes(StandardCharsets.US_ASCII)));
  }

  private void apply(String yaml) {
    GenericKubernetesResource r = kube.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
    String group = r.getApiVersion().contains("/") ? r.getApiVersion().substring(0, r.getApiVersion().indexOf('/')) : "";
    ResourceDefinitionContext context = KINDS.get(group + "/" + r.getKind());
    var existing = kube.genericKubernetesResources(context).inNamespace("shop").withName(r.getMetadata().getName()).get();
    if (existing == null) {
      kube.genericKubernetesResources(context).inNamespace("shop").resource(r).create();
    } else {
      r.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      kube.genericKubernetesResources(context).inNamespace("shop").resource(r).update();
    }
  }

  private String condition(String kind, String name, String type) {
    GenericKubernetesResource r = kube.genericKubernetesResources(KINDS.get("gateway.networking.k8s.io/" + kind))
        .inNamespace("shop").withName(name).get();
    Object status = r.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> s) || !(s.get("parents") instanceof List<?> parents) || parents.isEmpty()) {
      return "";
    }
    return conditionIn(((Map<?, ?>) parents.get(0)).get("conditions"), type);
  }

  private String gatewayCondition(String type) {
    GenericKubernetesResource r = kube.genericKubernetesResources(KINDS.get("gateway.networking.k8s.io/Gateway"))
        .inNamespace("shop").withName("gw").get();
    return r.getAdditionalProperties().get("status") instanceof Map<?, ?> s ? conditionIn(s.get("conditions"), type) : "";
  }

  private static String conditionIn(Object conditions, String type) {
    if (conditions instanceof List<?> list) {
      for (Object c : list) {
        if (c instanceof Map<?, ?> m && type.equals(m.get("type"))) {
          return String.valueOf(m.get("status"));
        }
      }
    }
    return "";
  }

  // --- the gateway

  private void startGateway() {
    startGateway("50ms");
  }

  private void startGateway(String debounce) {
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        kubernetes:
          - name: test
            masterUrl: %s
            namespaces: [shop]
            ports: { 80: 0, 443: 0 }
            debounce: %s
        """.formatted(server.url("/").replaceAll("/$", ""), debounce));
  }

  private int meshPort(int port) {
    return gateway.gatehouse.listenerPort("mesh-" + port);
  }

  /** A GET on mesh port 80; status -1 while no listener takes it (not bound yet, or replaced since its port was read). */
  private TestGateway.TestResponse get(String path) {
    int port = meshPort(80);
    if (port < 0) {
      return new TestGateway.TestResponse(-1, Map.of(), "");
    }
    try {
      return gateway.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).build());
    } catch (java.io.UncheckedIOException e) {
      if (e.getCause() instanceof java.net.ConnectException) {
        return new TestGateway.TestResponse(-1, Map.of(), "");
      }
      throw e;
    }
  }

  private void awaitUpstream(String path, String upstream) {
    Await.until(path + " served by upstream " + upstream, 15, () -> {
      TestGateway.TestResponse r = get(path);
      return r.status() == 200 && upstream.equals(r.header("x-upstream"));
    });
  }

  /** The certificate served on mesh port 443 for {@code sni}, if a handshake succeeds. */
  private java.util.Optional<X509Certificate> served(String sni) {
    int port = meshPort(443);
    if (port < 0) {
      return java.util.Optional.empty();
    }
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
      try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
        SSLParameters params = socket.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(sni)));
        socket.setSSLParameters(params);
        socket.setSoTimeout(5_000);
        socket.startHandshake();
        return java.util.Optional.of((X509Certificate) socket.getSession().getPeerCertificates()[0]);
      }
    } catch (IOException e) {
      return java.util.Optional.empty();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private String servedSubject(String sni) {
    return served(sni).map(c -> c.getSubjectX500Principal().getName()).orElse("");
  }

  private BigInteger servedSerial() {
    return served("shop.example.com").map(X509Certificate::getSerialNumber).orElse(BigInteger.ZERO);
  }

  /** The test checks which certificate is served, not whether it is trusted. */
  private static final class TrustAll implements X509TrustManager {
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  private static Map.Entry<String, ResourceDefinitionContext> kind(String group, String version, String kind, String plural) {
    return Map.entry(group + "/" + kind, new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version)
        .withKind(kind).withPlural(plural).withNamespaced(true).build());
  }
}
