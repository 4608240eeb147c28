package io.gatehouse.routes.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.EgressRule;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.HeaderOps;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Rewrite;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.StringMatch;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Istio and Gateway API YAML in the config directory: translated like a cluster's, validated offline. */
class MeshFilesTest {
  static final String SERVICES = """
      apiVersion: v1
      kind: Service
      metadata: { name: reviews, namespace: shop }
      spec:
        ports: [{ name: http, port: 9080, targetPort: 8080 }]
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: { name: reviews-abc, namespace: shop, labels: { kubernetes.io/service-name: reviews } }
      addressType: IPv4
      ports: [{ name: http, port: 8080 }]
      endpoints:
        - { addresses: [10.0.0.1], conditions: { ready: true }, targetRef: { kind: Pod, name: reviews-v1-a } }
        - { addresses: [10.0.0.2], conditions: { ready: true }, targetRef: { kind: Pod, name: reviews-v2-a } }
        - { addresses: [10.0.0.3], conditions: { ready: false }, targetRef: { kind: Pod, name: reviews-v2-b } }
      ---
      apiVersion: v1
      kind: Pod
      metadata: { name: reviews-v1-a, namespace: shop, labels: { app: reviews, version: v1 } }
      ---
      apiVersion: v1
      kind: Pod
      metadata: { name: reviews-v2-a, namespace: shop, labels: { app: reviews, version: v2 } }
      ---
      apiVersion: v1
      kind: Service
      metadata: { name: ratings, namespace: shop }
      spec:
        ports: [{ name: http, port: 9080 }]
      """;

  static final String ISTIO = """
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: { name: public, namespace: shop }
      spec:
        selector: { istio: ingressgateway }
        servers:
          - port: { number: 80, name: http, protocol: HTTP }
            hosts: ["shop.example.com"]
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: { name: reviews, namespace: shop }
      spec:
        hosts: [shop.example.com]
        gateways: [public]
        http:
          - match:
              - uri: { prefix: /reviews }
                headers: { X-Canary: { exact: "1" } }
            rewrite: { uri: /, authority: reviews.internal }
            route:
              - destination: { host: reviews, subset: v2, port: { number: 9080 } }
            timeout: 2s
            headers:
              request: { set: { x-env: prod }, remove: [x-debug] }
          - match: [{ uri: { prefix: /reviews } }]
            route:
              - { destination: { host: reviews, subset: v1 }, weight: 90 }
              - { destination: { host: ratings.shop.svc.cluster.local }, weight: 10 }
            retries: { attempts: 3, perTryTimeout: 500ms, retryOn: "connect-failure,503" }
          - match: [{ uri: { exact: /old } }]
            redirect: { uri: /new, redirectCode: 308 }
            fault: { abort: { httpStatus: 503, percentage: { value: 1 } } }
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: { name: reviews, namespace: shop }
      spec:
        host: reviews
        trafficPolicy:
          loadBalancer: { simple: LEAST_REQUEST }
          connectionPool: { tcp: { maxConnections: 100 } }
        subsets:
          - { name: v1, labels: { version: v1 } }
          - { name: v2, labels: { version: v2 }, trafficPolicy: { loadBalancer: { simple: RANDOM } } }
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: { name: github, namespace: shop }
      spec:
        hosts: [api.github.com]
        ports: [{ number: 443, name: https, protocol: TLS }]
        resolution: DNS
      """;

  @TempDir Path dir;

  @Test
  void istioResourcesTranslateIntoNativeRecords() throws IOException {
    Files.writeString(dir.resolve("services.yaml"), SERVICES);
    Files.writeString(dir.resolve("istio.yaml"), ISTIO);
    LoadResult.Loaded loaded = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir));
    GatewayConfig config = loaded.config();

    assertEquals(List.of(Listener.builder("mesh-80", 80, Listener.Protocol.HTTP).build()), config.listeners());
    Upstream v2 = upstream(config, "reviews.shop.svc.cluster.local_9080_v2");
    assertEquals(List.of(new Upstream.Endpoint("10.0.0.2", 8080,
        new Upstream.Workload("reviews-v2-a", "shop", "reviews", "v2", "", "", ""))), v2.endpoints(), "ready v2 pods only");
    assertEquals(Upstream.LoadBalancer.RANDOM, v2.loadBalancer());
    Upstream v1 = upstream(config, "reviews.shop.svc.cluster.local_9080_v1");
    assertEquals(List.of(new Upstream.Endpoint("10.0.0.1", 8080,
        new Upstream.Workload("reviews-v1-a", "shop", "reviews", "v1", "", "", ""))), v1.endpoints());
    assertEquals(Upstream.LoadBalancer.LEAST_REQUEST, v1.loadBalancer());
    assertEquals(List.of(new Upstream.Endpoint("ratings.shop.svc.cluster.local", 9080)),
        upstream(config, "ratings.shop.svc.cluster.local_9080").endpoints(), "no EndpointSlice: cluster DNS name");

    Route first = config.routes().get(0);
    assertEquals("istio.shop.reviews.0", first.name());
    assertEquals(List.of("shop.example.com"), first.hosts());
    assertEquals(List.of(new RequestMatch(new PathMatch.Prefix("/reviews"), Set.of(),
        Map.of("x-canary", new StringMatch.Exact("1")), Map.of())), first.match());
    assertEquals(new Rewrite(new Rewrite.PathRewrite.Prefix("/"), "reviews.internal"), first.rewrite());
    assertEquals(Duration.ofSeconds(2), first.timeout());
    assertEquals(new HeaderOps(new HeaderOps.Edits(Map.of("x-env", "prod"), Map.of(), List.of("x-debug")),
        HeaderOps.Edits.NONE), first.headers());
    assertEquals(new Action.Forward(List.of(
        new Action.Backend("reviews.shop.svc.cluster.local_9080_v1", 90),
        new Action.Backend("ratings.shop.svc.cluster.local_9080", 10))), config.routes().get(1).action());
    assertEquals(3, config.routes().get(1).retries().attempts());
    assertEquals(Set.of(503), config.routes().get(1).retries().onStatuses());
    assertEquals(new Action.Redirect("", "", 0, "/new", 308), config.routes().get(2).action());
    assertEquals(List.of(new EgressRule("serviceentry.shop.github.api.github.com",
        new EgressRule.Destination.Host("api.github.com"), List.of(443))), config.egress().allow());

    assertEquals(new io.gatehouse.routes.Fault(io.gatehouse.routes.Fault.Delay.NONE,
        new io.gatehouse.routes.Fault.Abort(503, 1), ""), config.routes().get(2).fault());
    assertEquals(100, v1.circuitBreaker().maxConnections(), "the rule's connection pool, inherited by the subset");
    assertEquals(List.of(), loaded.warnings().stream().map(ConfigError::toString).toList());
  }

  record Case(String description, String yaml, String expected) {
    @Override public String toString() {
      return description;
    }
  }

  static Stream<Case> errors() {
    return Stream.of(
        new Case("a VirtualService pointing at a missing host", """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: public, namespace: shop }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 80, protocol: HTTP }, hosts: ["*"] }]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: reviews, namespace: shop }
            spec:
              hosts: [shop.example.com]
              gateways: [public]
              http:
                - route:
                    - destination:
                        host: ratings
            """, ":17: VirtualService shop/reviews: spec.http[0].route[0].destination.host: \"ratings\" is not a known service"
            + " (no Service shop/ratings, no ServiceEntry with this host)"),
        new Case("a Gateway referencing a missing Secret", """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: public, namespace: shop }
            spec:
              selector: { istio: ingressgateway }
              servers:
                - port: { number: 443, protocol: HTTPS }
                  hosts: ["shop.example.com"]
                  tls:
                    mode: SIMPLE
                    credentialName: shop-cert
            """, ":11: Gateway shop/public: spec.servers[0].tls.credentialName: Secret shop/shop-cert does not exist"),
        new Case("conflicting routes", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: gw, namespace: shop }
            spec:
              gatewayClassName: gatehouse
              listeners: [{ name: web, port: 80, protocol: HTTP }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: a, namespace: shop }
            spec:
              parentRefs: [{ name: gw }]
              hostnames: [shop.example.com]
              rules: [{ backendRefs: [] }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: b, namespace: shop }
            spec:
              parentRefs: [{ name: gw }]
              hostnames: [shop.example.com]
              rules: [{ backendRefs: [] }]
            """, ":22: HTTPRoute shop/b: spec.rules: host shop.example.com with match Prefix[prefix=/] is already routed"
            + " by HTTPRoute shop/a on listener mesh-80; this route would never be used (conflicting routes)"),
        new Case("a subset no DestinationRule defines", """
            apiVersion: v1
            kind: Service
            metadata: { name: reviews, namespace: shop }
            spec: { ports: [{ port: 9080 }] }
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: public, namespace: shop }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 80, protocol: HTTP }, hosts: ["*"] }]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: reviews, namespace: shop }
            spec:
              hosts: ["*"]
              gateways: [shop/public]
              http: [{ route: [{ destination: { host: reviews, subset: v9 } }] }]
            """, ":19: VirtualService shop/reviews: spec.http[0].route[0].destination.subset: subset \"v9\" is not defined"
            + " (no DestinationRule for reviews.shop.svc.cluster.local)"),
        new Case("a bad regex", """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: public, namespace: shop }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 80, protocol: HTTP }, hosts: ["*"] }]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: r, namespace: shop }
            spec:
              hosts: ["*"]
              gateways: [public]
              http:
                - match: [{ uri: { regex: "/(a" } }]
                  directResponse: { status: 200 }
            """, ":15: VirtualService shop/r: spec.http[0].match[0].uri.regex: \"/(a\" is not a valid regular expression"),
        new Case("a field of the wrong shape", """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: public, namespace: shop }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 80, protocol: HTTP }, hosts: ["*"] }]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: r, namespace: shop }
            spec:
              hosts: ["*"]
              gateways: [public]
              http: { route: [] }
            """, ":14: VirtualService shop/r: spec.http: expected a list, found object"),
        new Case("two Gateways disagreeing on a port's protocol", """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: a, namespace: shop }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 80, protocol: HTTP }, hosts: ["*"] }]
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: b, namespace: shop }
            spec:
              selector: { istio: ingressgateway }
              servers:
                - port: { number: 80, protocol: HTTPS }
                  hosts: ["*"]
                  tls: { mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem }
            """, ":14: Gateway shop/b: spec.servers[0].port: port 80 is HTTP in Gateway shop/a; one port serves one protocol"));
  }

  @ParameterizedTest
  @MethodSource("errors")
  void locatedErrors(Case c) throws IOException {
    Files.writeString(dir.resolve("mesh.yaml"), c.yaml());
    LoadResult.Rejected rejected = assertInstanceOf(LoadResult.Rejected.class, ConfigLoader.loadDirectory(dir));
    List<String> errors = rejected.errors().stream().map(ConfigError::toString).toList();
    assertTrue(errors.stream().anyMatch(e -> e.startsWith(dir.resolve("mesh.yaml").toString() + c.expected())),
        "expected " + c.expected() + " in " + errors);
  }

  @Test
  void resourcesForOtherGatewaysAreNotTranslated() throws IOException {
    Files.writeString(dir.resolve("mesh.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: other, namespace: shop }
        spec:
          selector: { app: someone-else }
          servers: [{ port: { number: 80, protocol: HTTP }, hosts: ["*"] }]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: gw, namespace: shop }
        spec:
          gatewayClassName: istio
          listeners: [{ name: web, port: 81, protocol: HTTP }]
        """);
    LoadResult.Loaded loaded = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir));
    assertEquals(List.of(), loaded.config().listeners());
  }

  @Test
  void gatewayApiHttpsTakesItsCertificateFromASecretDocument() throws IOException {
    Files.writeString(dir.resolve("mesh.yaml"), """
        apiVersion: v1
        kind: Secret
        metadata: { name: shop-cert, namespace: shop }
        type: kubernetes.io/tls
        stringData: { tls.crt: CERT, tls.key: KEY }
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: gw, namespace: shop }
        spec:
          gatewayClassName: gatehouse
          listeners:
            - name: https
              port: 443
              protocol: HTTPS
              hostname: shop.example.com
              tls: { mode: Terminate, certificateRefs: [{ name: shop-cert }] }
        """);
    LoadResult.Loaded loaded = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir));
    Listener https = loaded.config().listeners().get(0);
    assertEquals(Listener.Protocol.HTTPS, https.protocol());
    var cert = https.tls().certificates().get(0);
    assertEquals(List.of("shop.example.com"), cert.hosts());
    assertEquals("CERT", Files.readString(Path.of(cert.cert())));
    assertEquals("KEY", Files.readString(Path.of(cert.key())));
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(Path.of(cert.key()))));
  }

  @Test
  void httpRouteMatchesFollowGatewayApiPrecedence() throws IOException {
    Files.writeString(dir.resolve("mesh.yaml"), """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: gw, namespace: shop }
        spec:
          gatewayClassName: gatehouse
          listeners: [{ name: web, port: 80, protocol: HTTP }]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: a, namespace: shop }
        spec:
          parentRefs: [{ name: gw }]
          rules:
            - matches: [{ path: { value: / } }]
            - matches:
                - { path: { value: /api } }
                - { path: { type: Exact, value: /api/health } }
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: b, namespace: shop }
        spec:
          parentRefs: [{ name: gw }]
          rules:
            - matches: [{ path: { value: /api }, headers: [{ name: x-canary, value: "1" }] }]
        """);
    GatewayConfig config = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir)).config();
    assertEquals(List.of("httproute.shop.a.1.1", "httproute.shop.b.0.0", "httproute.shop.a.1.0", "httproute.shop.a.0.0"),
        config.routes().stream().map(Route::name).toList());
    assertEquals(new PathMatch.Regex("\\Q/api\\E(/.*)?"), config.routes().get(2).match().get(0).path());
  }

  @Test
  void serviceEntryWithStaticEndpointsIsADestinationAndAnEgressRule() throws IOException {
    Files.writeString(dir.resolve("mesh.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: legacy, namespace: shop }
        spec:
          hosts: [legacy.internal]
          addresses: [192.0.2.0/24]
          ports: [{ number: 8080, name: http, protocol: HTTP }]
          resolution: STATIC
          endpoints: [{ address: 192.0.2.10 }, { address: 192.0.2.11, ports: { http: 9090 } }]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: legacy, namespace: shop }
        spec:
          host: legacy.internal
          trafficPolicy: { tls: { mode: SIMPLE, sni: legacy.internal } }
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: public, namespace: shop }
        spec:
          selector: { istio: ingressgateway }
          servers: [{ port: { number: 80, protocol: HTTP }, hosts: ["*"] }]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: legacy, namespace: shop }
        spec:
          hosts: [legacy.example.com]
          gateways: [public]
          http: [{ route: [{ destination: { host: legacy.internal } }] }]
        """);
    GatewayConfig config = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir)).config();
    Upstream legacy = upstream(config, "legacy.internal_8080");
    assertEquals(List.of(new Upstream.Endpoint("192.0.2.10", 8080), new Upstream.Endpoint("192.0.2.11", 9090)),
        legacy.endpoints());
    assertEquals(new io.gatehouse.routes.UpstreamTls(true, "legacy.internal", "", "", "", true), legacy.tls());
    assertEquals(List.of(new EgressRule.Destination.Host("legacy.internal"), new EgressRule.Destination.Cidr("192.0.2.0/24")),
        config.egress().allow().stream().map(EgressRule::destination).toList());
  }

  @Test
  void kubernetesSourcesAreReadAndChecked() throws IOException {
    Files.writeString(dir.resolve("gatehouse.yaml"), """
        kubernetes:
          - name: prod
            namespaces: [shop, payments]
            gatewayLabels: { istio: ingressgateway, app: [edge, gate] }
            ports: { 80: 8080, 443: 8443 }
            debounce: 500ms
            proxyProtocol: true
        """);
    GatewayConfig config = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir)).config();
    assertEquals(List.of(new io.gatehouse.routes.Kubernetes("prod", "", List.of("shop", "payments"),
        Map.of("istio", Set.of("ingressgateway"), "app", Set.of("edge", "gate")), "gatehouse", Map.of(80, 8080, 443, 8443),
        Duration.ofMillis(500), "cluster.local", true)), config.kubernetes());

    Files.writeString(dir.resolve("gatehouse.yaml"), """
        kubernetes:
          - name: prod
            masterUrl: "ftp://nope"
            ports: { 80: 70000 }
        """);
    List<String> errors = assertInstanceOf(LoadResult.Rejected.class, ConfigLoader.loadDirectory(dir)).errors().stream()
        .map(ConfigError::toString).toList();
    assertEquals(List.of(
        dir.resolve("gatehouse.yaml") + ":3: kubernetes source prod.masterUrl: \"ftp://nope\" is not an http(s) URL"
            + " (leave it out for in-cluster or kubeconfig discovery)",
        dir.resolve("gatehouse.yaml") + ":4: kubernetes source prod.ports: 80: 70000 is not a port mapping"
            + " (expected GATEWAY_PORT: LISTEN_PORT, 1..65535, 0 = any free port)"), errors);
  }

  @Test
  void endpointsCarryTheirPodsWorkloadAsIstioDerivesIt() throws IOException {
    Files.writeString(dir.resolve("mesh.yaml"), """
        apiVersion: v1
        kind: Service
        metadata: { name: reviews, namespace: shop }
        spec: { ports: [{ name: http, port: 9080 }] }
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: reviews-1, namespace: shop, labels: { kubernetes.io/service-name: reviews } }
        ports: [{ name: http, port: 9080 }]
        endpoints:
          - { addresses: [10.0.0.1], targetRef: { kind: Pod, name: reviews-v1-7f4669bdd9-dg7vn } }
          - { addresses: [10.0.0.2], targetRef: { kind: Pod, namespace: shop, name: report-28930140-x7k2p } }
          - { addresses: [10.0.0.3], targetRef: { kind: Pod, name: pinned } }
          - { addresses: [10.0.0.4], targetRef: { kind: Pod, name: gone } }
          - { addresses: [10.0.0.5] }
          - { addresses: [10.0.0.6], targetRef: { kind: Pod, name: canary-6c8d9f-abcde } }
          - { addresses: [10.0.0.7], targetRef: { kind: Pod, name: legacy-3-xyz12 } }
          - { addresses: [10.0.0.8], targetRef: { kind: Pod, name: db-0 } }
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: canary-6c8d9f-abcde
          generateName: canary-6c8d9f-
          namespace: shop
          labels: { app: reviews, rollouts-pod-template-hash: 6c8d9f }
          ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: canary-6c8d9f, controller: true }]
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: legacy-3-xyz12
          generateName: legacy-3-
          namespace: shop
          labels: { deploymentconfig: legacy }
          ownerReferences: [{ apiVersion: v1, kind: ReplicationController, name: legacy-3, controller: true }]
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: db-0
          generateName: db-
          namespace: shop
          ownerReferences:
            - { apiVersion: v1, kind: Node, name: not-the-controller }
            - { apiVersion: apps/v1, kind: StatefulSet, name: db, controller: true }
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: reviews-v1-7f4669bdd9-dg7vn
          generateName: reviews-v1-7f4669bdd9-
          namespace: shop
          labels: { app: reviews, version: v1, pod-template-hash: 7f4669bdd9, service.istio.io/canonical-name: reviews-svc }
          ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: reviews-v1-7f4669bdd9, controller: true }]
        spec: { serviceAccountName: bookinfo-reviews }
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: report-28930140-x7k2p
          generateName: report-28930140-
          namespace: shop
          labels: { app.kubernetes.io/name: report, app.kubernetes.io/version: "2" }
          ownerReferences: [{ apiVersion: batch/v1, kind: Job, name: report-28930140, controller: true }]
        spec: { serviceAccountName: default }
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: pinned
          namespace: shop
          labels: { service.istio.io/workload-name: legacy, version: v9 }
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: public, namespace: shop }
        spec:
          servers: [{ port: { number: 80, protocol: HTTP }, hosts: ["*"] }]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: reviews, namespace: shop }
        spec:
          hosts: ["*"]
          gateways: [public]
          http: [{ route: [{ destination: { host: reviews } }] }]
        """);
    GatewayConfig config = loaded(ConfigLoader.loadDirectory(dir));
    List<Upstream.Workload> workloads = config.upstreams().stream()
        .filter(u -> u.name().equals("reviews.shop.svc.cluster.local_9080")).findFirst().orElseThrow()
        .endpoints().stream().map(Upstream.Endpoint::workload).toList();
    assertEquals(List.of(
        new Upstream.Workload("reviews-v1", "shop", "reviews-svc", "v1", "bookinfo-reviews", "", ""),
        new Upstream.Workload("report", "shop", "report", "2", "default", "", ""),
        new Upstream.Workload("legacy", "shop", "legacy", "v9", "", "", ""),
        Upstream.Workload.NONE, Upstream.Workload.NONE,
        new Upstream.Workload("canary", "shop", "reviews", "", "", "", ""),
        new Upstream.Workload("legacy", "shop", "legacy", "", "", "", ""),
        new Upstream.Workload("db", "shop", "db", "", "", "", "")), workloads);
  }

  private static GatewayConfig loaded(LoadResult result) {
    return assertInstanceOf(LoadResult.Loaded.class, result, () -> result.toString()).config();
  }

  private static Upstream upstream(GatewayConfig config, String name) {
    return config.upstreams().stream().filter(u -> u.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in " + config.upstreams().stream().map(Upstream::name).toList()));
  }
}
