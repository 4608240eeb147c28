package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kubernetes Ingresses in the config directory, served by the real gateway on its native HTTP and
 * HTTPS listeners to real upstreams on port 0: hosts and paths, single-label wildcards, TLS from a
 * Secret chosen by SNI, the redirect to HTTPS, and the ingress-nginx annotations users migrate with
 * (affinity cookies included).
 */
class IngressTest {
  @TempDir static Path dir;
  static Vertx vertx;
  static EchoUpstream a;
  static EchoUpstream b;
  static HttpServer tlsUpstream;
  static TestCerts certs;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws IOException {
    vertx = Vertx.vertx();
    a = EchoUpstream.start(vertx, "a");
    b = EchoUpstream.start(vertx, "b");
    certs = TestCerts.in(dir);
    certs.server("native", "native.test");
    certs.server("shop", "shop.example.com");
    certs.server("backend", "web-tls.shop.svc.cluster.local");
    tlsUpstream = Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(dir.resolve("backend.crt").toString())
                .setKeyPath(dir.resolve("backend.key").toString())))
        .requestHandler(r -> r.response().putHeader("x-upstream", "tls").end("over tls " + r.uri()))
        .listen(0, "127.0.0.1"));
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: http, port: 0, protocol: HTTP }
        %s---
        %s
        ---
        %s
        ---
        %s
        ---
        apiVersion: v1
        kind: Secret
        metadata: { name: shop-tls, namespace: shop }
        type: kubernetes.io/tls
        stringData:
          tls.crt: |
        %s
          tls.key: |
        %s
        ---
        apiVersion: v1
        kind: Secret
        metadata: { name: backend-ca, namespace: shop }
        stringData:
          ca.crt: |
        %s
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: shop, namespace: shop }
        spec:
          ingressClassName: gatehouse
          tls: [{ hosts: [shop.example.com], secretName: shop-tls }]
          rules:
            - host: shop.example.com
              http:
                paths:
                  - { path: /api, pathType: Prefix, backend: { service: { name: a, port: { number: 80 } } } }
                  - { path: /api/health, pathType: Exact, backend: { service: { name: b, port: { name: http } } } }
                  - { path: /, pathType: Prefix, backend: { service: { name: b, port: { number: 80 } } } }
            - host: "*.wild.test"
              http:
                paths: [{ path: /, pathType: Prefix, backend: { service: { name: a, port: { number: 80 } } } }]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: rewrite
          namespace: shop
          annotations:
            nginx.ingress.kubernetes.io/rewrite-target: /$2
        spec:
          ingressClassName: gatehouse
          rules:
            - host: rewrite.test
              http:
                paths: [{ path: "/shop(/|$)(.*)", pathType: ImplementationSpecific, backend: { service: { name: a, port: { number: 80 } } } }]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: limited
          namespace: shop
          annotations: { nginx.ingress.kubernetes.io/whitelist-source-range: "10.0.0.0/8" }
        spec:
          ingressClassName: gatehouse
          rules: [{ host: limited.test, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: a, port: { number: 80 } } } }] } }]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: allowed
          namespace: shop
          annotations:
            nginx.ingress.kubernetes.io/whitelist-source-range: "127.0.0.1"
            nginx.ingress.kubernetes.io/proxy-body-size: 1k
        spec:
          ingressClassName: gatehouse
          rules: [{ host: allowed.test, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: a, port: { number: 80 } } } }] } }]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: tls-backend
          namespace: shop
          annotations:
            nginx.ingress.kubernetes.io/backend-protocol: HTTPS
            nginx.ingress.kubernetes.io/proxy-ssl-secret: shop/backend-ca
        spec:
          ingressClassName: gatehouse
          rules: [{ host: tls-backend.test, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web-tls, port: { name: https } } } }] } }]
        ---
        %s
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: pair-2, namespace: shop, labels: { kubernetes.io/service-name: pair } }
        ports: [{ name: http, port: %d }]
        endpoints: [{ addresses: [127.0.0.1] }]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: sticky
          namespace: shop
          annotations:
            nginx.ingress.kubernetes.io/affinity: cookie
            nginx.ingress.kubernetes.io/session-cookie-name: route
            nginx.ingress.kubernetes.io/session-cookie-max-age: "3600"
        spec:
          ingressClassName: gatehouse
          rules: [{ host: sticky.test, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: pair, port: { number: 80 } } } }] } }]
        """.formatted(certs.httpsListener("native"), service("a", "http", 80, a.port()), service("b", "http", 80, b.port()),
        service("web-tls", "https", 443, tlsUpstream.actualPort()),
        pem("shop.crt"), pem("shop.key"), pem("ca.crt"), service("pair", "http", 80, a.port()), b.port()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    a.close();
    b.close();
    Await.result(tlsUpstream.close());
    vertx.close();
  }

  @Test
  void hostsAndPathsRouteByTheIngressSpec() {
    assertEquals("a", https("shop.example.com", "/api/orders").header("x-upstream"));
    assertEquals("a", https("shop.example.com", "/api").header("x-upstream"));
    assertEquals("b", https("shop.example.com", "/api/health").header("x-upstream"), "exact beats the prefix");
    assertEquals("a", https("shop.example.com", "/api/health/deep").header("x-upstream"));
    assertEquals("b", https("shop.example.com", "/apiary").header("x-upstream"), "/api does not take /apiary");
    assertEquals("a", http("one.wild.test", "/x").header("x-upstream"));
    assertEquals(404, http("two.one.wild.test", "/x").status(), "the wildcard is one label");
    assertEquals(404, http("nobody.test", "/").status());
  }

  @Test
  void tlsHostsAreServedWithTheSecretsCertificateAndHttpRedirects() {
    Curl.Result secure = https("shop.example.com", "/");
    assertEquals(0, secure.exit(), secure.stderr());
    assertEquals(200, secure.status(), "curl verified shop.example.com against the test CA");
    Curl.Result plain = http("shop.example.com", "/api/orders?page=2");
    assertEquals(308, plain.status());
    assertEquals("https://shop.example.com/api/orders?page=2", plain.header("location"));
  }

  @Test
  void rewriteTargetTakesTheCaptureGroups() {
    int before = a.requests().size();
    Curl.Result r = http("rewrite.test", "/shop/cart/42?x=1");
    assertEquals(200, r.status());
    assertEquals(before + 1, a.requests().size());
    assertEquals("/cart/42?x=1", a.lastRequest().uri());
  }

  @Test
  void sourceRangesAndBodySizeAreEnforced() {
    int before = a.requests().size();
    Curl.Result denied = http("limited.test", "/");
    assertEquals(403, denied.status(), "127.0.0.1 is not in 10.0.0.0/8");
    assertEquals(before, a.requests().size(), "a refused request never reaches the upstream");
    assertEquals(200, http("allowed.test", "/").status());
    Curl.Result large = Curl.run("-H", "Host: allowed.test", "--data-binary", "x".repeat(2048),
        "http://127.0.0.1:" + gateway.port() + "/upload");
    assertEquals(413, large.status());
    Curl.Result small = Curl.run("-H", "Host: allowed.test", "--data-binary", "x".repeat(512),
        "http://127.0.0.1:" + gateway.port() + "/upload");
    assertEquals(200, small.status());
  }

  @Test
  void httpsBackendProtocolVerifiesTheBackendWithTheProxySslSecret() {
    Curl.Result r = http("tls-backend.test", "/hello");
    assertEquals(200, r.status(), r.body());
    assertEquals("tls", r.header("x-upstream"));
    assertEquals("over tls /hello", r.body());
  }

  @Test
  void affinityCookiePinsAClientToItsEndpoint() {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 6; i++) {
      seen.add(http("sticky.test", "/").header("x-upstream"));
    }
    assertEquals(java.util.Set.of("a", "b"), seen, "without the cookie both endpoints serve");
    Curl.Result first = http("sticky.test", "/cart");
    String setCookie = first.header("set-cookie");
    org.junit.jupiter.api.Assertions.assertNotNull(setCookie, "the gateway sets ingress-nginx's affinity cookie");
    org.junit.jupiter.api.Assertions.assertTrue(setCookie.startsWith("route=") && setCookie.contains("Max-Age=3600")
        && setCookie.contains("Path=/") && setCookie.contains("HTTPOnly"), setCookie);
    String cookie = setCookie.split(";", 2)[0];
    for (int i = 0; i < 10; i++) {
      Curl.Result r = Curl.run("-H", "Host: sticky.test", "-H", "Cookie: " + cookie, "http://127.0.0.1:" + gateway.port() + "/cart/" + i);
      assertEquals(first.header("x-upstream"), r.header("x-upstream"), "request " + i + " stays on the pinned endpoint");
    }
  }

  private static Curl.Result http(String host, String path) {
    return Curl.run("-H", "Host: " + host, "http://127.0.0.1:" + gateway.port() + path);
  }

  private static Curl.Result https(String host, String path) {
    int port = gateway.gatehouse.listenerPort("https");
    return Curl.run("--cacert", certs.caCert().toString(), "--resolve", host + ":" + port + ":127.0.0.1",
        "https://" + host + ":" + port + path);
  }

  private static String pem(String file) {
    try {
      return Files.readString(dir.resolve(file)).indent(4).stripTrailing();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String service(String name, String portName, int port, int targetPort) {
    return """
        apiVersion: v1
        kind: Service
        metadata: { name: %1$s, namespace: shop }
        spec:
          ports: [{ name: %2$s, port: %3$d }]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: %1$s-1, namespace: shop, labels: { kubernetes.io/service-name: %1$s } }
        ports: [{ name: %2$s, port: %4$d }]
        endpoints: [{ addresses: [127.0.0.1] }]""".formatted(name, portName, port, targetPort);
  }
}
