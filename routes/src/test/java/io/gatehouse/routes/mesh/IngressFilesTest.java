package io.gatehouse.routes.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.Cors;
import io.gatehouse.routes.DataSize;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.Rewrite;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.StickySession;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.auth.AuthorizationPolicy;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import io.gatehouse.routes.table.RequestView;
import io.gatehouse.routes.table.RouteTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kubernetes Ingresses in the config directory: translated into routes on the native HTTP and
 * HTTPS listeners, with ingress-nginx annotations mapped or warned about, and every mistake
 * reported as {@code FILE:LINE: Ingress ns/name: field: message}.
 */
class IngressFilesTest {
  @TempDir Path dir;

  static final String SERVICES = """
      apiVersion: v1
      kind: Service
      metadata: { name: web, namespace: shop }
      spec:
        ports: [{ name: http, port: 80 }, { name: admin, port: 8081 }]
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: { name: web-1, namespace: shop, labels: { kubernetes.io/service-name: web } }
      ports: [{ name: http, port: 8080 }, { name: admin, port: 9090 }]
      endpoints: [{ addresses: [10.0.0.1] }]
      ---
      apiVersion: v1
      kind: Service
      metadata: { name: api, namespace: shop }
      spec:
        ports: [{ name: http, port: 80 }]
      ---
      apiVersion: v1
      kind: Secret
      metadata: { name: shop-tls, namespace: shop }
      type: kubernetes.io/tls
      stringData: { tls.crt: "shop cert", tls.key: "shop key" }
      ---
      apiVersion: v1
      kind: Secret
      metadata: { name: other-tls, namespace: shop }
      type: kubernetes.io/tls
      stringData: { tls.crt: "other cert", tls.key: "other key" }
      """;

  @BeforeEach
  void nativeListeners() throws IOException {
    Files.writeString(dir.resolve("native.crt"), "native cert");
    Files.writeString(dir.resolve("native.key"), "native key");
    Files.writeString(dir.resolve("gatehouse.yaml"), """
        listeners:
          - { name: http, port: 8080, protocol: HTTP }
          - name: https
            port: 8443
            protocol: HTTPS
            tls: { certificates: [{ hosts: [native.example.com], cert: native.crt, key: native.key }] }
            compression: { algorithms: [gzip] }
          - { name: passthrough, port: 9443, protocol: TLS_PASSTHROUGH }
        """);
    Files.writeString(dir.resolve("services.yaml"), SERVICES);
  }

  @Test
  void rulesBecomeRoutesOnTheNativeHttpListenersInTheSpecsPrecedence() throws IOException {
    Files.writeString(dir.resolve("ingress.yaml"), """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: shop, namespace: shop }
        spec:
          ingressClassName: gatehouse
          defaultBackend: { service: { name: api, port: { number: 80 } } }
          rules:
            - host: shop.example.com
              http:
                paths:
                  - { path: /, pathType: Prefix, backend: { service: { name: api, port: { number: 80 } } } }
                  - { path: /api/, pathType: Prefix, backend: { service: { name: web, port: { name: admin } } } }
                  - { path: /api/health, pathType: Exact, backend: { service: { name: web, port: { number: 80 } } } }
                  - { path: /static, pathType: ImplementationSpecific, backend: { service: { name: web, port: { number: 80 } } } }
            - host: "*.shop.test"
              http:
                paths:
                  - { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
        """);
    LoadResult.Loaded loaded = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir));
    GatewayConfig config = loaded.config();
    assertEquals(List.of(), loaded.warnings().stream().map(ConfigError::toString).toList());
    assertEquals(List.of("ingress.shop.shop.0.2", "ingress.shop.shop.0.3", "ingress.shop.shop.0.1",
            "ingress.shop.shop.0.0", "ingress.shop.shop.1.0", "ingress.shop.shop.default.0", "ingress.shop.shop.default.1",
            "ingress.shop.shop.default.2"),
        config.routes().stream().map(Route::name).toList(), "exact first, then longest prefix, then the default backend");
    Route api = route(config, "ingress.shop.shop.0.1");
    assertEquals(List.of("http", "https"), api.listeners(), "native HTTP and HTTPS listeners, not passthrough ones");
    assertEquals(new PathMatch.Regex("\\Q/api\\E(/.*)?"), api.match().get(0).path(), "/api/ is the element prefix /api");
    assertEquals(new Action.Forward(List.of(new Action.Backend("web.shop.svc.cluster.local_8081", 1))), api.action(),
        "a named port resolves through the Service");
    assertEquals(List.of(new Upstream.Endpoint("10.0.0.1", 9090)), upstream(config, "web.shop.svc.cluster.local_8081").endpoints());
    assertEquals(new PathMatch.Exact("/api/health"), route(config, "ingress.shop.shop.0.2").match().get(0).path());
    assertEquals(new PathMatch.Prefix("/"), route(config, "ingress.shop.shop.0.0").match().get(0).path());
    assertEquals(Duration.ofSeconds(65), api.timeout(), "ingress-nginx's read + connect timeouts");
    Route wildcard = route(config, "ingress.shop.shop.1.0");
    assertEquals(List.of("*.shop.test"), wildcard.hosts());
    assertEquals(List.of("shop.example.com"), route(config, "ingress.shop.shop.default.0").hosts());
    assertEquals(List.of("*.shop.test"), route(config, "ingress.shop.shop.default.1").hosts());
    assertEquals(List.of("*"), route(config, "ingress.shop.shop.default.2").hosts());

    RouteTable<String> table = RouteTable.compile(config.routes(), (r, m) -> r.name(), "none");
    assertEquals("ingress.shop.shop.0.1", table.match(request("shop.example.com", "/api")));
    assertEquals("ingress.shop.shop.0.1", table.match(request("shop.example.com", "/api/v1")));
    assertEquals("ingress.shop.shop.0.0", table.match(request("shop.example.com", "/apix")), "element-wise prefix");
    assertEquals("ingress.shop.shop.0.2", table.match(request("shop.example.com", "/api/health")));
    assertEquals("ingress.shop.shop.0.1", table.match(request("shop.example.com", "/api/health/x")));
    assertEquals("ingress.shop.shop.0.3", table.match(request("shop.example.com", "/static/app.js")));
    assertEquals("ingress.shop.shop.1.0", table.match(request("a.shop.test", "/x")));
    assertEquals("ingress.shop.shop.default.2", table.match(request("b.a.shop.test", "/x")),
        "a wildcard host is one label; a deeper name falls to the catch-all default backend");
    assertEquals("ingress.shop.shop.default.2", table.match(request("other.example.com", "/")));
  }

  @Test
  void tlsCertificatesJoinTheHttpsListenersAndHttpRedirects() throws IOException {
    Files.writeString(dir.resolve("ingress.yaml"), """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: shop, namespace: shop }
        spec:
          ingressClassName: gatehouse
          tls: [{ hosts: [shop.example.com], secretName: shop-tls }]
          rules:
            - host: shop.example.com
              http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
            - host: plain.example.com
              http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: forced
          namespace: shop
          annotations: { nginx.ingress.kubernetes.io/force-ssl-redirect: "true" }
        spec:
          ingressClassName: gatehouse
          rules:
            - host: forced.example.com
              http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
        """);
    GatewayConfig config = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir)).config();
    Listener https = config.listeners().stream().filter(l -> l.name().equals("https")).findFirst().orElseThrow();
    List<ListenerTls.CertificateRef> certs = https.tls().certificates();
    assertEquals(2, certs.size());
    assertEquals(List.of("native.example.com"), certs.get(0).hosts(), "the native certificate stays first");
    assertEquals(List.of("shop.example.com"), certs.get(1).hosts());
    assertEquals("shop cert", Files.readString(Path.of(certs.get(1).cert())));
    assertEquals(List.of("gzip"), https.compression().algorithms(), "the listener keeps everything else");

    assertEquals(List.of("https"), route(config, "ingress.shop.shop.0.0").listeners());
    Route redirect = route(config, "ingress.shop.shop.0.0.redirect");
    assertEquals(List.of("http"), redirect.listeners());
    assertEquals(new Action.Redirect("https", "", 0, "", 308), redirect.action());
    assertEquals(List.of("http", "https"), route(config, "ingress.shop.shop.1.0").listeners(), "no TLS for this host");
    assertEquals(List.of("http"), route(config, "ingress.shop.forced.0.0.redirect").listeners());
  }

  @Test
  void nginxAnnotationsMapOntoNativeFeatures() throws IOException {
    Files.writeString(dir.resolve("ingress.yaml"), """
        apiVersion: v1
        kind: Secret
        metadata: { name: backend-ca, namespace: shop }
        stringData: { ca.crt: "backend ca" }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: shop
          namespace: shop
          annotations:
            nginx.ingress.kubernetes.io/use-regex: "true"
            nginx.ingress.kubernetes.io/rewrite-target: /$2
            nginx.ingress.kubernetes.io/proxy-body-size: 8m
            nginx.ingress.kubernetes.io/whitelist-source-range: "10.0.0.0/8, 192.168.1.7"
            nginx.ingress.kubernetes.io/proxy-read-timeout: "20"
            nginx.ingress.kubernetes.io/proxy-connect-timeout: "2"
            nginx.ingress.kubernetes.io/enable-cors: "true"
            nginx.ingress.kubernetes.io/cors-allow-origin: "https://app.example.com, https://*.example.org"
            nginx.ingress.kubernetes.io/cors-max-age: "600"
            nginx.ingress.kubernetes.io/backend-protocol: HTTPS
            nginx.ingress.kubernetes.io/proxy-ssl-secret: shop/backend-ca
            nginx.ingress.kubernetes.io/configuration-snippet: "more_set_headers x: y;"
        spec:
          ingressClassName: gatehouse
          rules:
            - host: shop.example.com
              http:
                paths:
                  - { path: "/shop(/|$)(.*)", pathType: ImplementationSpecific, backend: { service: { name: web, port: { number: 80 } } } }
        """);
    LoadResult.Loaded loaded = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir));
    GatewayConfig config = loaded.config();
    Route r = route(config, "ingress.shop.shop.0.0");
    assertEquals(new PathMatch.Regex("(?i)/shop(/|$)(.*).*"), r.match().get(0).path());
    assertEquals(new Rewrite(new Rewrite.PathRewrite.Regex("(?i)^/shop(/|$)(.*).*$", "/\\2"), ""), r.rewrite());
    assertEquals(new DataSize(8L << 20), r.maxBodySize());
    assertEquals(Duration.ofSeconds(22), r.timeout());
    assertEquals(new Cors(List.of("https://app.example.com", "https://*.example.org"),
        List.of("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"),
        List.of("dnt", "keep-alive", "user-agent", "x-requested-with", "if-modified-since", "cache-control",
            "content-type", "range", "authorization"), List.of(), Duration.ofSeconds(600), true), r.cors());
    String upstream = ((Action.Forward) r.action()).backends().get(0).upstream();
    assertEquals("web.shop.svc.cluster.local_80_https.shop.shop", upstream);
    Upstream u = upstream(config, upstream);
    assertTrue(u.tls().enabled());
    assertEquals("web.shop.svc.cluster.local", u.tls().sni());
    assertEquals("backend ca", Files.readString(Path.of(u.tls().caCert())));
    AuthorizationPolicy policy = config.security().authorization().get(0);
    assertEquals("ingress.shop.shop.whitelist-source-range", policy.name());
    assertEquals(AuthorizationPolicy.Action.ALLOW, policy.action());
    assertEquals(List.of("10.0.0.0/8", "192.168.1.7/32"), policy.rules().get(0).from().get(0).remoteIpBlocks());
    assertEquals(List.of("ingress.shop.shop.0.0"), policy.attachment().routes());
    assertEquals(List.of(dir.resolve("ingress.yaml") + ":23: warning: Ingress shop/shop:"
            + " metadata.annotations.nginx.ingress.kubernetes.io/configuration-snippet:"
            + " ingress-nginx annotation configuration-snippet is not supported by this gateway; ignored"),
        loaded.warnings().stream().map(ConfigError::toString).toList());

    RouteTable<String> table = RouteTable.compile(config.routes(), (x, m) -> x.name(), "none");
    assertEquals("ingress.shop.shop.0.0", table.match(request("shop.example.com", "/SHOP/cart")), "case-insensitive as nginx");
    assertEquals("none", table.match(request("shop.example.com", "/shopping")));
  }

  @Test
  void affinityCookieMakesStickySessionsForEachPath() throws IOException {
    Files.writeString(dir.resolve("ingress.yaml"), """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: shop
          namespace: shop
          annotations:
            nginx.ingress.kubernetes.io/affinity: cookie
            nginx.ingress.kubernetes.io/affinity-mode: persistent
            nginx.ingress.kubernetes.io/session-cookie-name: route
            nginx.ingress.kubernetes.io/session-cookie-max-age: "172800"
            nginx.ingress.kubernetes.io/session-cookie-expires: "60"
            nginx.ingress.kubernetes.io/session-cookie-samesite: None
        spec:
          ingressClassName: gatehouse
          defaultBackend: { service: { name: web, port: { number: 80 } } }
          rules:
            - host: shop.example.com
              http:
                paths:
                  - { path: /api/, pathType: Prefix, %1$s }
                  - { path: /cart, pathType: Exact, %1$s }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: plain
          namespace: shop
          annotations:
            nginx.ingress.kubernetes.io/session-cookie-name: route
        spec:
          ingressClassName: gatehouse
          rules: [{ host: plain.example.com, http: { paths: [{ path: /, pathType: Prefix, %1$s }] } }]
        """.formatted(WEB));
    LoadResult.Loaded loaded = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir));
    GatewayConfig config = loaded.config();
    // max-age over expires; SameSite=None makes it Secure; always HttpOnly; the path is the one matched.
    assertEquals(new StickySession("route", Duration.ofSeconds(172800), "/api", true, true, StickySession.SameSite.NONE),
        route(config, "ingress.shop.shop.0.0").stickySession());
    assertEquals("/cart", route(config, "ingress.shop.shop.0.1").stickySession().path());
    assertEquals("/", route(config, "ingress.shop.shop.default.0").stickySession().path());
    assertEquals(StickySession.NONE, route(config, "ingress.shop.plain.0.0").stickySession());
    assertEquals(List.of(dir.resolve("ingress.yaml") + ":29: warning: Ingress shop/plain:"
            + " metadata.annotations.nginx.ingress.kubernetes.io/session-cookie-name:"
            + " has no effect without nginx.ingress.kubernetes.io/affinity: cookie; ignored"),
        loaded.warnings().stream().map(ConfigError::toString).toList());
  }

  @Test
  void routesAndCertificatesAlsoJoinTheListenersGatewaysMake() throws IOException {
    Files.writeString(dir.resolve("gatehouse.yaml"), "listeners: []\n");
    Files.writeString(dir.resolve("ingress.yaml"), """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: gw, namespace: shop }
        spec:
          gatewayClassName: gatehouse
          listeners:
            - { name: web, port: 80, protocol: HTTP }
            - { name: tls, port: 443, protocol: HTTPS, tls: { certificateRefs: [{ name: other-tls }] } }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: shop, namespace: shop }
        spec:
          ingressClassName: gatehouse
          tls: [{ secretName: shop-tls }]
          rules:
            - host: shop.example.com
              http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
        """);
    GatewayConfig config = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir)).config();
    assertEquals(List.of("mesh-443"), route(config, "ingress.shop.shop.0.0").listeners());
    assertEquals(List.of("mesh-80"), route(config, "ingress.shop.shop.0.0.redirect").listeners());
    Listener https = config.listeners().stream().filter(l -> l.name().equals("mesh-443")).findFirst().orElseThrow();
    assertEquals(List.of(List.of("*"), List.of("shop.example.com")),
        https.tls().certificates().stream().map(ListenerTls.CertificateRef::hosts).toList(),
        "a tls entry without hosts covers the Ingress's rule hosts");
  }

  @Test
  void grpcBackendsAreSpokenToInHttp2() throws IOException {
    Files.writeString(dir.resolve("ingress.yaml"), """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: grpc
          namespace: shop
          annotations: { nginx.ingress.kubernetes.io/backend-protocol: GRPC }
        spec:
          ingressClassName: gatehouse
          rules: [{ http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }]
        """);
    GatewayConfig config = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir)).config();
    Upstream u = upstream(config, "web.shop.svc.cluster.local_80_grpc");
    assertEquals(Upstream.Protocol.HTTP2, u.protocol());
    assertEquals(false, u.tls().enabled());
  }

  @Test
  void onlyIngressesOfThisGatewaysClassAreTranslated() throws IOException {
    String backend = "{ service: { name: web, port: { number: 80 } } }";
    Files.writeString(dir.resolve("ingress.yaml"), """
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: { name: edge }
        spec: { controller: gatehouse.io/ingress-controller }
        ---
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: { name: nginx, annotations: { ingressclass.kubernetes.io/is-default-class: "true" } }
        spec: { controller: k8s.io/ingress-nginx }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: by-class-object, namespace: shop }
        spec: { ingressClassName: edge, defaultBackend: %1$s }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: by-annotation, namespace: shop, annotations: { kubernetes.io/ingress.class: gatehouse } }
        spec: { rules: [{ host: a.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: %1$s }] } }] }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: nginx-class, namespace: shop }
        spec: { ingressClassName: nginx, defaultBackend: { service: { name: missing, port: { number: 80 } } } }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: no-class, namespace: shop }
        spec: { defaultBackend: { service: { name: missing, port: { number: 80 } } } }
        """.formatted(backend));
    GatewayConfig config = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir)).config();
    assertEquals(List.of("ingress.shop.by-annotation.0.0", "ingress.shop.by-class-object.default.0"),
        config.routes().stream().map(Route::name).toList(), "the default class is nginx's, so no-class is not ours");

    Files.writeString(dir.resolve("ingress.yaml"), """
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: { name: gatehouse, annotations: { ingressclass.kubernetes.io/is-default-class: "true" } }
        spec: { controller: gatehouse.io/ingress-controller }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: no-class, namespace: shop }
        spec: { defaultBackend: %s }
        """.formatted(backend));
    config = assertInstanceOf(LoadResult.Loaded.class, ConfigLoader.loadDirectory(dir)).config();
    assertEquals(List.of("ingress.shop.no-class.default.0"), config.routes().stream().map(Route::name).toList(),
        "without a class, the default IngressClass (ours) takes it");
  }

  record Case(String description, String yaml, String expected) {
    @Override public String toString() {
      return description;
    }
  }

  private static String ingress(String annotations, String paths) {
    return """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: bad
          namespace: shop
          annotations: { %s }
        spec:
          ingressClassName: gatehouse
          rules:
            - host: shop.example.com
              http:
                paths:
        %s
        """.formatted(annotations, paths.indent(10).stripTrailing());
  }

  private static final String WEB = "backend: { service: { name: web, port: { number: 80 } } }";

  static Stream<Case> errors() {
    return Stream.of(
        new Case("a missing Service", ingress("", "- { path: /, pathType: Prefix, backend: { service: { name: nowhere, port: { number: 80 } } } }"),
            ":13: Ingress shop/bad: spec.rules[0].http.paths[0].backend.service.name: Service shop/nowhere does not exist"),
        new Case("a port the Service does not have", ingress("", "- { path: /, pathType: Prefix, backend: { service: { name: web, port: { name: grpc } } } }"),
            ":13: Ingress shop/bad: spec.rules[0].http.paths[0].backend.service.port.name: Service shop/web has no port named grpc"),
        new Case("an affinity other than cookie", ingress("nginx.ingress.kubernetes.io/affinity: ip",
            "- { path: /, pathType: Prefix, " + WEB + " }"),
            ":6: Ingress shop/bad: metadata.annotations.nginx.ingress.kubernetes.io/affinity: \"ip\" is not an affinity type (expected cookie, the only one ingress-nginx has)"),
        new Case("a session cookie name that is not a token", ingress("nginx.ingress.kubernetes.io/affinity: cookie,"
            + " nginx.ingress.kubernetes.io/session-cookie-name: \"my cookie\"", "- { path: /, pathType: Prefix, " + WEB + " }"),
            ":6: Ingress shop/bad: metadata.annotations.nginx.ingress.kubernetes.io/session-cookie-name: \"my cookie\" is not a cookie name"),
        new Case("a bad pathType", ingress("", "- { path: /, pathType: Regex, " + WEB + " }"),
            ":13: Ingress shop/bad: spec.rules[0].http.paths[0].pathType: \"Regex\" is not a path type (expected Exact, Prefix or ImplementationSpecific)"),
        new Case("no pathType", ingress("", "- { path: /, " + WEB + " }"),
            ":13: Ingress shop/bad: spec.rules[0].http.paths[0].pathType: pathType is required (Exact, Prefix or ImplementationSpecific)"),
        new Case("a relative path", ingress("", "- { path: api, pathType: Prefix, " + WEB + " }"),
            ":13: Ingress shop/bad: spec.rules[0].http.paths[0].path: \"api\" is not an absolute path (it must start with /)"),
        new Case("a regex path without use-regex", ingress("", "- { path: \"/api(/|$)(.*)\", pathType: ImplementationSpecific, " + WEB + " }"),
            ":13: Ingress shop/bad: spec.rules[0].http.paths[0].path: \"/api(/|$)(.*)\" looks like a regular expression, but nginx.ingress.kubernetes.io/use-regex is not \"true\""),
        new Case("an invalid regex", ingress("nginx.ingress.kubernetes.io/use-regex: \"true\"", "- { path: \"/api/(?=x)\", pathType: ImplementationSpecific, " + WEB + " }"),
            ":13: Ingress shop/bad: spec.rules[0].http.paths[0].path: \"/api/(?=x)\" is not a valid regular expression (RE2 syntax)"),
        new Case("a rewrite-target group the path does not capture", ingress("nginx.ingress.kubernetes.io/rewrite-target: /$2", "- { path: \"/api/(.*)\", pathType: ImplementationSpecific, " + WEB + " }"),
            ":6: Ingress shop/bad: metadata.annotations.nginx.ingress.kubernetes.io/rewrite-target: rewrite-target uses $2 but path \"/api/(.*)\" has 1 capture group"),
        new Case("an unknown backend protocol", ingress("nginx.ingress.kubernetes.io/backend-protocol: FCGI", "- { path: /, pathType: Prefix, " + WEB + " }"),
            ":6: Ingress shop/bad: metadata.annotations.nginx.ingress.kubernetes.io/backend-protocol: \"FCGI\" is not a backend protocol this gateway speaks"),
        new Case("a bad source range", ingress("nginx.ingress.kubernetes.io/whitelist-source-range: \"10.0.0.0/33\"", "- { path: /, pathType: Prefix, " + WEB + " }"),
            ":6: Ingress shop/bad: metadata.annotations.nginx.ingress.kubernetes.io/whitelist-source-range: \"10.0.0.0/33\" is not a CIDR: prefix length must be 0..32"),
        new Case("a bad body size", ingress("nginx.ingress.kubernetes.io/proxy-body-size: lots", "- { path: /, pathType: Prefix, " + WEB + " }"),
            ":6: Ingress shop/bad: metadata.annotations.nginx.ingress.kubernetes.io/proxy-body-size: \"lots\" is not a size"),
        new Case("an IP address as host", """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: { name: bad, namespace: shop }
            spec:
              ingressClassName: gatehouse
              rules: [{ host: 10.0.0.1, http: { paths: [{ path: /, pathType: Prefix, %s }] } }]
            """.formatted(WEB), ":6: Ingress shop/bad: spec.rules[0].host: \"10.0.0.1\" is an IP address; an Ingress host is a DNS name"),
        new Case("a wildcard that is not the first label", """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: { name: bad, namespace: shop }
            spec:
              ingressClassName: gatehouse
              rules: [{ host: "shop.*.com", http: { paths: [{ path: /, pathType: Prefix, %s }] } }]
            """.formatted(WEB), ":6: Ingress shop/bad: spec.rules[0].host: \"shop.*.com\" is not a host name"),
        new Case("a missing TLS Secret", """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: { name: bad, namespace: shop }
            spec:
              ingressClassName: gatehouse
              tls: [{ hosts: [shop.example.com], secretName: gone }]
              rules: [{ host: shop.example.com, http: { paths: [{ path: /, pathType: Prefix, %s }] } }]
            """.formatted(WEB), ":6: Ingress shop/bad: spec.tls[0].secretName: Secret shop/gone does not exist"),
        new Case("conflicting TLS", """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: { name: a, namespace: shop }
            spec:
              ingressClassName: gatehouse
              tls: [{ hosts: [shop.example.com], secretName: shop-tls }]
              rules: [{ host: shop.example.com, http: { paths: [{ path: /a, pathType: Prefix, %1$s }] } }]
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: { name: b, namespace: shop }
            spec:
              ingressClassName: gatehouse
              tls: [{ hosts: [shop.example.com], secretName: other-tls }]
              rules: [{ host: shop.example.com, http: { paths: [{ path: /b, pathType: Prefix, %1$s }] } }]
            """.formatted(WEB), ":14: Ingress shop/b: spec.tls[0].secretName: host shop.example.com already has another"
            + " certificate, from Ingress shop/a (conflicting TLS)"),
        new Case("the same host and path in two Ingresses", """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: { name: a, namespace: shop }
            spec:
              ingressClassName: gatehouse
              rules: [{ host: shop.example.com, http: { paths: [{ path: /a, pathType: Prefix, %1$s }] } }]
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: { name: b, namespace: shop }
            spec:
              ingressClassName: gatehouse
              rules: [{ host: shop.example.com, http: { paths: [{ path: /a/, pathType: Prefix, %1$s }] } }]
            """.formatted(WEB), ":13: Ingress shop/b: spec.rules: host shop.example.com with match Regex[pattern=\\Q/a\\E(/.*)?]"
            + " is already routed by Ingress shop/a; this route would never be used (conflicting routes)"),
        new Case("neither rules nor a default backend", """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: { name: bad, namespace: shop }
            spec: { ingressClassName: gatehouse }
            """, ":4: Ingress shop/bad: spec: an Ingress needs rules or a defaultBackend"));
  }

  @ParameterizedTest
  @MethodSource("errors")
  void locatedErrors(Case c) throws IOException {
    Files.writeString(dir.resolve("ingress.yaml"), c.yaml());
    LoadResult.Rejected rejected = assertInstanceOf(LoadResult.Rejected.class, ConfigLoader.loadDirectory(dir));
    List<String> errors = rejected.errors().stream().map(ConfigError::toString).toList();
    assertTrue(errors.stream().anyMatch(e -> e.startsWith(dir.resolve("ingress.yaml") + c.expected())),
        "expected " + c.expected() + " in " + errors);
  }

  @Test
  void anIngressWithAnErrorIsLeftOutWhileTheOthersServe() throws IOException {
    Files.writeString(dir.resolve("ingress.yaml"), """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: good
          namespace: shop
          annotations: { nginx.ingress.kubernetes.io/cors-allow-origin: "https://a.example.com" }
        spec:
          ingressClassName: gatehouse
          rules: [{ host: shop.example.com, http: { paths: [{ path: /, pathType: Prefix, %1$s }] } }]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: bad, namespace: shop }
        spec:
          ingressClassName: gatehouse
          rules: [{ host: shop.example.com, http: { paths: [{ path: /x, pathType: Prefix, backend: { service: { name: gone, port: { number: 1 } } } }] } }]
        """.formatted(WEB));
    MeshFragment fragment = MeshTranslator.translate(resources(), MeshSettings.FILES, new SecretDirectory(dir.resolve("secrets")));
    assertEquals(Map.of("Ingress shop/good", true, "Ingress shop/bad", false),
        Map.of("Ingress shop/good", fragment.accepted().get("Ingress shop/good"),
            "Ingress shop/bad", fragment.accepted().get("Ingress shop/bad")));
    assertEquals(List.of("ingress.shop.good.0.0"), fragment.ingress().routes().stream().map(b -> b.route().name()).toList());
    assertEquals(List.of("metadata.annotations.nginx.ingress.kubernetes.io/cors-allow-origin: has no effect without"
            + " nginx.ingress.kubernetes.io/enable-cors: \"true\"; ignored"),
        fragment.problemsOf("Ingress shop/good").stream().map(p -> p.field() + ": " + p.message()).toList());
  }

  private List<MeshResource> resources() throws IOException {
    List<MeshResource> out = new java.util.ArrayList<>();
    com.fasterxml.jackson.databind.ObjectMapper yaml = new com.fasterxml.jackson.databind.ObjectMapper(
        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    for (String file : List.of("services.yaml", "ingress.yaml")) {
      try (var parser = yaml.getFactory().createParser(Files.readString(dir.resolve(file)))) {
        for (var it = yaml.readValues(parser, com.fasterxml.jackson.databind.JsonNode.class); it.hasNext(); ) {
          MeshResource.of(it.next(), MeshResource.Locator.fixed(new io.gatehouse.routes.Origin(file, 0)), "default")
              .ifPresent(out::add);
        }
      }
    }
    return out;
  }

  private static Route route(GatewayConfig config, String name) {
    return config.routes().stream().filter(r -> r.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in " + config.routes().stream().map(Route::name).toList()));
  }

  private static Upstream upstream(GatewayConfig config, String name) {
    return config.upstreams().stream().filter(u -> u.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in " + config.upstreams().stream().map(Upstream::name).toList()));
  }

  private static RequestView request(String host, String path) {
    return new RequestView() {
      @Override public String method() {
        return "GET";
      }

      @Override public String host() {
        return host;
      }

      @Override public String path() {
        return path;
      }

      @Override public String header(String name) {
        return name.equals(":authority") ? host : null;
      }

      @Override public String query(String name) {
        return null;
      }
    };
  }
}
