package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ingresses and TCPRoutes from the Kubernetes source, against fabric8's mock API server in CRUD
 * mode: created, changed and deleted while requests flow through the real gateway to real
 * upstreams, with the load-balancer address and route conditions written back.
 */
class KubernetesIngressTest {
  private static final Map<String, ResourceDefinitionContext> KINDS = Map.ofEntries(
      kind("networking.k8s.io", "v1", "Ingress", "ingresses", true),
      kind("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false),
      kind("gateway.networking.k8s.io", "v1", "Gateway", "gateways", true),
      kind("gateway.networking.k8s.io", "v1alpha2", "TCPRoute", "tcproutes", true),
      kind("", "v1", "Service", "services", true),
      kind("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true));

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
            .withKind(k.getKind()).withPlural(k.getPlural()).withScope(k.isNamespaceScoped() ? "Namespaced" : "Cluster")
            .withStatusSubresource(!k.getGroup().equals("discovery.k8s.io")).build())
        .toList();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(crds), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    kube = server.createClient();
    vertx = Vertx.vertx();
    a = EchoUpstream.start(vertx, "a");
    b = EchoUpstream.start(vertx, "b");
    apply(service("echo", a.port()));
    apply(service("other", b.port()));
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
  void ingressesRouteTrafficFollowChangesAndGetTheLoadBalancerAddress() {
    apply("""
        apiVersion: v1
        kind: Service
        metadata: { name: gatehouse, namespace: shop }
        spec: { type: LoadBalancer, ports: [{ name: http, port: 80 }] }
        """);
    publish("203.0.113.10");
    apply("""
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: { name: nginx }
        spec: { controller: k8s.io/ingress-nginx }
        """);
    apply(ingress("shop", "gatehouse", "echo"));
    apply(ingress("theirs", "nginx", "echo").replace("shop.example.com", "theirs.example.com"));
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: http, port: 0, protocol: HTTP }]
        kubernetes:
          - name: test
            masterUrl: %s
            namespaces: [shop]
            publishService: shop/gatehouse
            debounce: 50ms
        """.formatted(server.url("/").replaceAll("/$", "")));
    awaitUpstream("shop.example.com", "/api/x", "a");
    assertEquals(404, get("shop.example.com", "/apix").status(), "Prefix /api takes whole path elements");
    assertEquals(404, get("theirs.example.com", "/api/x").status(), "an Ingress of another class is not served");
    Await.until("the LoadBalancer address written into the Ingress status", 10,
        () -> published("shop").equals(List.of("203.0.113.10")));
    assertEquals(List.of(), published("theirs"), "another class's Ingress is left alone");

    apply(ingress("shop", "gatehouse", "other"));
    awaitUpstream("shop.example.com", "/api/x", "b");

    publish("203.0.113.20");
    Await.until("the Ingress status follows the Service's", 10,
        () -> published("shop").equals(List.of("203.0.113.20")));

    apply(ingress("shop", "gatehouse", "nowhere"));
    Await.until("an Ingress left out for an error publishes no address", 10, () -> published("shop").isEmpty());
    assertEquals(404, get("shop.example.com", "/api/x").status(), "a resource with an error is left out whole");

    apply(ingress("shop", "gatehouse", "echo"));
    awaitUpstream("shop.example.com", "/api/x", "a");
    kube.genericKubernetesResources(KINDS.get("networking.k8s.io/Ingress")).inNamespace("shop").withName("shop").delete();
    Await.until("404 once the Ingress is deleted", 10, () -> get("shop.example.com", "/api/x").status() == 404);
  }

  @Test
  void publishAddressesAreWrittenAsWrittenForIngressesOfTheDefaultClass() {
    apply("""
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: { name: edge, annotations: { ingressclass.kubernetes.io/is-default-class: "true" } }
        spec: { controller: gatehouse.io/ingress-controller }
        """);
    apply(ingress("shop", "gatehouse", "echo").replace("  ingressClassName: gatehouse\n", ""));
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: http, port: 0, protocol: HTTP }]
        kubernetes:
          - name: test
            masterUrl: %s
            namespaces: [shop]
            publishAddresses: [203.0.113.7, gw.example.com]
            debounce: 50ms
        """.formatted(server.url("/").replaceAll("/$", "")));
    awaitUpstream("shop.example.com", "/api/x", "a");
    Await.until("the addresses as written, an ip and a hostname", 10,
        () -> publishedEntries("shop").equals(List.of(Map.of("ip", "203.0.113.7"), Map.of("hostname", "gw.example.com"))));
  }

  @Test
  void tcpRoutesFromTheClusterForwardConnectionsAndGetConditions() {
    apply("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: gw, namespace: shop }
        spec:
          gatewayClassName: gatehouse
          listeners: [{ name: db, port: 9000, protocol: TCP }]
        """);
    apply("""
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: TCPRoute
        metadata: { name: db, namespace: shop }
        spec:
          parentRefs: [{ name: gw, sectionName: db }]
          rules: [{ backendRefs: [{ name: echo, port: 80 }] }]
        """);
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        kubernetes:
          - name: test
            masterUrl: %s
            namespaces: [shop]
            ports: { 9000: 0 }
            debounce: 50ms
        """.formatted(server.url("/").replaceAll("/$", "")));
    Await.until("HTTP bytes tunnelled through the TCP listener to echo", 15, () -> "a".equals(tcp().header("x-upstream")));
    Await.until("TCPRoute status written", 10, () -> condition("db", "Accepted").equals("True"));
    assertEquals("True", condition("db", "ResolvedRefs"));

    apply("""
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: TCPRoute
        metadata: { name: db, namespace: shop }
        spec:
          parentRefs: [{ name: gw, sectionName: db }]
          rules: [{ backendRefs: [{ name: other, port: 80 }] }]
        """);
    Await.until("the changed TCPRoute forwards to other", 15, () -> "b".equals(tcp().header("x-upstream")));
  }

  private static String ingress(String name, String className, String service) {
    return """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: %s, namespace: shop }
        spec:
          ingressClassName: %s
          rules:
            - host: shop.example.com
              http:
                paths: [{ path: /api, pathType: Prefix, backend: { service: { name: %s, port: { number: 80 } } } }]
        """.formatted(name, className, service);
  }

  private static String service(String name, int port) {
    return """
        apiVersion: v1
        kind: Service
        metadata: { name: %1$s, namespace: shop }
        spec:
          ports: [{ name: http, port: 80 }]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: %1$s-1, namespace: shop, labels: { kubernetes.io/service-name: %1$s } }
        addressType: IPv4
        ports: [{ name: http, port: %2$d }]
        endpoints:
          - { addresses: [127.0.0.1], conditions: { ready: true } }
        """.formatted(name, port);
  }

  /** Sets the gateway Service's LoadBalancer status, as the cloud's controller would. */
  private void publish(String ip) {
    ResourceDefinitionContext services = KINDS.get("/Service");
    GenericKubernetesResource s = kube.genericKubernetesResources(services).inNamespace("shop").withName("gatehouse").get();
    s.getAdditionalProperties().put("status", Map.of("loadBalancer", Map.of("ingress", List.of(Map.of("ip", ip)))));
    kube.genericKubernetesResources(services).inNamespace("shop").resource(s).updateStatus();
  }

  /** The ips in an Ingress's {@code status.loadBalancer.ingress}. */
  private List<String> published(String name) {
    return publishedEntries(name).stream().map(e -> String.valueOf(e.get("ip"))).toList();
  }

  /** The entries of an Ingress's {@code status.loadBalancer.ingress}. */
  private List<Map<?, ?>> publishedEntries(String name) {
    GenericKubernetesResource r = kube.genericKubernetesResources(KINDS.get("networking.k8s.io/Ingress"))
        .inNamespace("shop").withName(name).get();
    if (r.getAdditionalProperties().get("status") instanceof Map<?, ?> s && s.get("loadBalancer") instanceof Map<?, ?> lb
        && lb.get("ingress") instanceof List<?> list) {
      return list.stream().<Map<?, ?>>map(e -> (Map<?, ?>) e).toList();
    }
    return List.of();
  }

  private String condition(String name, String type) {
    GenericKubernetesResource r = kube.genericKubernetesResources(KINDS.get("gateway.networking.k8s.io/TCPRoute"))
        .inNamespace("shop").withName(name).get();
    if (r.getAdditionalProperties().get("status") instanceof Map<?, ?> s && s.get("parents") instanceof List<?> parents
        && !parents.isEmpty() && ((Map<?, ?>) parents.get(0)).get("conditions") instanceof List<?> conditions) {
      for (Object c : conditions) {
        if (c instanceof Map<?, ?> m && type.equals(m.get("type"))) {
          return String.valueOf(m.get("status"));
        }
      }
    }
    return "";
  }

  private void apply(String yaml) {
    for (String doc : yaml.split("(?m)^---$")) {
      GenericKubernetesResource r = kube.getKubernetesSerialization().unmarshal(doc, GenericKubernetesResource.class);
      String group = r.getApiVersion().contains("/") ? r.getApiVersion().substring(0, r.getApiVersion().indexOf('/')) : "";
      ResourceDefinitionContext context = KINDS.get(group + "/" + r.getKind());
      var resources = kube.genericKubernetesResources(context);
      var scoped = context.isNamespaceScoped() ? resources.inNamespace("shop") : resources;
      GenericKubernetesResource existing = scoped.withName(r.getMetadata().getName()).get();
      if (existing == null) {
        scoped.resource(r).create();
      } else {
        r.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        scoped.resource(r).update();
      }
    }
  }

  private Curl.Result get(String host, String path) {
    return Curl.run("-H", "Host: " + host, "http://127.0.0.1:" + gateway.port() + path);
  }

  private void awaitUpstream(String host, String path, String upstream) {
    Await.until(host + path + " served by upstream " + upstream, 15, () -> {
      Curl.Result r = get(host, path);
      return r.status() == 200 && upstream.equals(r.header("x-upstream"));
    });
  }

  /** A GET through the TCP listener made from the Gateway, on a new connection (a tunnel keeps its backend). */
  private Curl.Result tcp() {
    int port = gateway.gatehouse.listenerPort("mesh-9000");
    return Curl.run("http://127.0.0.1:" + Math.max(port, 1) + "/db");
  }

  private static Map.Entry<String, ResourceDefinitionContext> kind(String group, String version, String kind, String plural,
                                                                   boolean namespaced) {
    return Map.entry(group + "/" + kind, new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version)
        .withKind(kind).withPlural(plural).withNamespaced(namespaced).build());
  }
}
