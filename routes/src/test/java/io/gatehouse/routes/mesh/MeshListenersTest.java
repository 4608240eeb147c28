package io.gatehouse.routes.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Istio Gateway servers that shape a listener: {@code tls.httpsRedirect} and TLS passthrough. */
class MeshListenersTest {
  static final String SECRET = """
      apiVersion: v1
      kind: Secret
      metadata: { name: shop-cert, namespace: shop }
      type: kubernetes.io/tls
      stringData: { tls.crt: CERT, tls.key: KEY }
      ---
      """;

  static String gateway(String name, String servers) {
    return """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: %s, namespace: shop }
        spec:
          selector: { istio: ingressgateway }
          servers:
        """.formatted(name) + servers.indent(4);
  }

  record Case(String description, String yaml, Function<GatewayConfig, Object> actual, Object expected) {
    @Override public String toString() {
      return description;
    }
  }

  private static Listener listener(GatewayConfig c, int port) {
    return c.listeners().stream().filter(l -> l.port() == port).findFirst().orElseThrow();
  }

  static Stream<Case> translated() {
    return Stream.of(
        new Case("httpsRedirect without an HTTPS server: port 443", gateway("public", """
            - port: { number: 80, protocol: HTTP }
              hosts: ["*"]
              tls: { httpsRedirect: true }
            """), c -> listener(c, 80).httpsRedirect(), new Listener.HttpsRedirect(443, 301)),
        new Case("httpsRedirect to the Gateway's HTTPS server port", SECRET + gateway("public", """
            - port: { number: 8080, protocol: HTTP }
              hosts: ["shop.example.com"]
              tls: { httpsRedirect: true }
            - port: { number: 8443, protocol: HTTPS }
              hosts: ["shop.example.com"]
              tls: { mode: SIMPLE, credentialName: shop-cert }
            """), c -> List.of(listener(c, 8080).httpsRedirect(), listener(c, 8443).httpsRedirect()),
            List.of(new Listener.HttpsRedirect(8443, 301), Listener.HttpsRedirect.NONE)),
        new Case("an HTTP server without httpsRedirect routes", gateway("public", """
            - port: { number: 80, protocol: HTTP }
              hosts: ["*"]
            """), c -> listener(c, 80).httpsRedirect(), Listener.HttpsRedirect.NONE),
        new Case("HTTPS PASSTHROUGH and VirtualService tls routes", gateway("public", """
            - port: { number: 443, protocol: HTTPS }
              hosts: ["*.example.com"]
              tls: { mode: PASSTHROUGH }
            """) + PASSTHROUGH_VS, c -> List.of(listener(c, 443).protocol(), c.routes()),
            List.of(Listener.Protocol.TLS_PASSTHROUGH, List.of(Route.builder("istio.shop.vs.tls.0", new Action.Forward(List.of(
                    new Action.Backend("reviews.shop.svc.cluster.local_9080", 80),
                    new Action.Backend("ratings.shop.svc.cluster.local_9080", 20))))
                .hosts(List.of("a.example.com", "b.example.com")).timeout(Route.NO_TIMEOUT).retries(RetryPolicy.NONE)
                .listeners(List.of("mesh-443")).build()))),
        new Case("VirtualService routes serve on the listeners of their Gateways' servers only", gateway("public", """
            - port: { number: 8080, protocol: HTTP }
              hosts: [a.example.com]
            - port: { number: 9090, protocol: HTTP }
              hosts: [other.example.com]
            """) + "---\n" + gateway("internal", """
            - port: { number: 7070, protocol: HTTP }
              hosts: ["*"]
            """) + """
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: web, namespace: shop }
            spec:
              hosts: [a.example.com]
              gateways: [public]
              http: [{ route: [{ destination: { host: ratings } }] }]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: both, namespace: shop }
            spec:
              hosts: [b.example.com]
              gateways: [public, internal]
              http: [{ route: [{ destination: { host: ratings } }] }]
            """, c -> c.routes().stream().map(r -> r.name() + " " + r.listeners()).toList(),
            List.of("istio.shop.both.0 [mesh-7070]", "istio.shop.web.0 [mesh-8080]")),
        new Case("an HTTPRoute serves on the listener its parentRef's sectionName names", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: gw, namespace: shop }
            spec:
              gatewayClassName: gatehouse
              listeners:
                - { name: public, port: 8080, protocol: HTTP }
                - { name: internal, port: 7070, protocol: HTTP }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: web, namespace: shop }
            spec:
              parentRefs: [{ name: gw, sectionName: internal }]
              rules: [{ backendRefs: [{ name: ratings, port: 9080 }] }]
            """, c -> c.routes().stream().map(r -> r.name() + " " + r.listeners()).toList(),
            List.of("httproute.shop.web.0.0 [mesh-7070]")),
        new Case("a TLS server with PASSTHROUGH", gateway("public", """
            - port: { number: 8443, protocol: TLS }
              hosts: ["*"]
              tls: { mode: PASSTHROUGH }
            """), c -> listener(c, 8443).protocol(), Listener.Protocol.TLS_PASSTHROUGH),
        new Case("a Gateway API TLS Passthrough listener and a TLSRoute; an HTTPRoute does not attach to it",
            GATEWAY_API + """
            ---
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: TLSRoute
            metadata: { name: vault, namespace: shop }
            spec:
              parentRefs: [{ name: gw }]
              hostnames: [vault.example.com]
              rules: [{ backendRefs: [{ name: reviews, port: 9080 }] }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: web, namespace: shop }
            spec:
              parentRefs: [{ name: gw }]
              hostnames: [web.example.com]
              rules: [{ backendRefs: [{ name: ratings, port: 9080 }] }]
            """, c -> List.of(listener(c, 443).protocol(), c.routes()),
            List.of(Listener.Protocol.TLS_PASSTHROUGH, List.of(Route.builder("tlsroute.shop.vault", new Action.Forward(List.of(
                    new Action.Backend("reviews.shop.svc.cluster.local_9080", 1))))
                .hosts(List.of("vault.example.com")).timeout(Route.NO_TIMEOUT).retries(RetryPolicy.NONE)
                .listeners(List.of("mesh-443")).build()))),
        new Case("a Gateway API TLS Terminate listener: TCP behind TLS, its TLSRoute forwards the bytes; a TCPRoute does not attach",
            SECRET + TERMINATE + TERMINATE_ROUTE + """
            ---
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: TCPRoute
            metadata: { name: raw, namespace: shop }
            spec:
              parentRefs: [{ name: gw }]
              rules: [{ backendRefs: [{ name: ratings, port: 9080 }] }]
            """, c -> List.of(listener(c, 9443).protocol(), listener(c, 9443).tls().certificates().get(0).hosts(),
                c.routes()),
            List.of(Listener.Protocol.TCP, List.of("db.example.com"), List.of(Route.builder("tlsroute.shop.db", new Action.Forward(List.of(
                    new Action.Backend("reviews.shop.svc.cluster.local_9080", 1))))
                .hosts(List.of("db.example.com")).timeout(Route.NO_TIMEOUT).retries(RetryPolicy.NONE)
                .listeners(List.of("mesh-9443")).build()))),
        new Case("an Istio TLS server with SIMPLE: TCP behind TLS, the VirtualService's tcp route forwards the bytes",
            SECRET + gateway("public", """
            - port: { number: 9443, protocol: TLS }
              hosts: ["db.example.com"]
              tls: { mode: SIMPLE, credentialName: shop-cert, minProtocolVersion: TLSV1_3 }
            """) + """
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: db, namespace: shop }
            spec:
              hosts: [db.example.com]
              gateways: [public]
              tcp: [{ route: [{ destination: { host: reviews, port: { number: 9080 } } }] }]
            """, c -> List.of(listener(c, 9443).protocol(), listener(c, 9443).tls().minVersion(),
                listener(c, 9443).tls().certificates().get(0).hosts(),
                c.routes().stream().map(r -> r.name() + " " + r.listeners() + " " + r.action()).toList()),
            List.of(Listener.Protocol.TCP, "TLSv1.3", List.of("db.example.com"), List.of("istio.shop.db.tcp.0 [mesh-9443] "
                + new Action.Forward(List.of(new Action.Backend("reviews.shop.svc.cluster.local_9080", 100)))))));
  }

  static final String TERMINATE = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: { name: gw, namespace: shop }
      spec:
        gatewayClassName: gatehouse
        listeners:
          - name: db
            port: 9443
            protocol: TLS
            hostname: db.example.com
            tls: { mode: Terminate, certificateRefs: [{ name: shop-cert }] }
      """;

  static final String TERMINATE_ROUTE = """
      ---
      apiVersion: gateway.networking.k8s.io/v1alpha2
      kind: TLSRoute
      metadata: { name: db, namespace: shop }
      spec:
        parentRefs: [{ name: gw }]
        hostnames: [db.example.com]
        rules: [{ backendRefs: [{ name: reviews, port: 9080 }] }]
      """;

  static final String GATEWAY_API = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: { name: gw, namespace: shop }
      spec:
        gatewayClassName: gatehouse
        listeners: [{ name: tls, port: 443, protocol: TLS, tls: { mode: Passthrough } }]
      """;

  static final String PASSTHROUGH_VS = """
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: { name: vs, namespace: shop }
      spec:
        hosts: [a.example.com, b.example.com]
        gateways: [public]
        tls:
          - match: [{ sniHosts: [a.example.com] }, { sniHosts: [b.example.com, a.example.com] }]
            route:
              - { destination: { host: reviews, port: { number: 9080 } }, weight: 80 }
              - { destination: { host: ratings }, weight: 20 }
      """;

  @TempDir Path dir;

  @ParameterizedTest
  @MethodSource("translated")
  void translated(Case c) throws IOException {
    Files.writeString(dir.resolve("services.yaml"), MeshFilesTest.SERVICES);
    Files.writeString(dir.resolve("mesh.yaml"), c.yaml());
    LoadResult result = ConfigLoader.loadDirectory(dir);
    if (result instanceof LoadResult.Rejected r) {
      throw new AssertionError(r.errors());
    }
    LoadResult.Loaded loaded = assertInstanceOf(LoadResult.Loaded.class, result);
    assertEquals(c.expected(), c.actual().apply(loaded.config()));
    assertEquals(List.of(), loaded.warnings().stream().map(ConfigError::toString).toList());
  }

  record ErrorCase(String description, String yaml, String expected) {
    @Override public String toString() {
      return description;
    }
  }

  static Stream<ErrorCase> errors() {
    return Stream.of(
        new ErrorCase("two Gateways disagreeing on a port's httpsRedirect", gateway("a", """
            - port: { number: 80, protocol: HTTP }
              hosts: ["a.example.com"]
              tls: { httpsRedirect: true }
            """) + "---\n" + gateway("b", """
            - port: { number: 80, protocol: HTTP }
              hosts: ["b.example.com"]
            """), ":17: Gateway shop/b: spec.servers[0].port: port 80 redirects to HTTPS port 443 in Gateway shop/a;"
            + " servers sharing a port share tls.httpsRedirect"),
        new ErrorCase("one port mixing passthrough and terminated servers", SECRET + gateway("public", """
            - port: { number: 443, protocol: HTTPS }
              hosts: ["a.example.com"]
              tls: { mode: PASSTHROUGH }
            - port: { number: 443, protocol: HTTPS }
              hosts: ["b.example.com"]
              tls: { mode: SIMPLE, credentialName: shop-cert }
            """), ":16: Gateway shop/public: spec.servers[1].port: port 443 is TLS_PASSTHROUGH in Gateway shop/public;"
            + " one port serves one protocol"),
        new ErrorCase("a tls route without sniHosts", gateway("public", """
            - port: { number: 443, protocol: TLS }
              hosts: ["*"]
              tls: { mode: PASSTHROUGH }
            """) + PASSTHROUGH_VS.replace("match: [{ sniHosts: [a.example.com] }, ", "match: [{ port: 443 }, "),
            ":18: VirtualService shop/vs: spec.tls[0].match[0].sniHosts: at least one SNI host is required"),
        new ErrorCase("a TLSRoute without backends", GATEWAY_API + """
            ---
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: TLSRoute
            metadata: { name: vault, namespace: shop }
            spec:
              parentRefs: [{ name: gw }]
              rules: [{ backendRefs: [] }]
            """, ":13: TLSRoute shop/vault: spec.rules[0].backendRefs: at least one backend is required"),
        new ErrorCase("a Gateway API HTTPS listener with Passthrough", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: gw, namespace: shop }
            spec:
              gatewayClassName: gatehouse
              listeners: [{ name: tls, port: 443, protocol: HTTPS, tls: { mode: Passthrough } }]
            """, ":6: Gateway shop/gw: spec.listeners[0].tls.mode: Passthrough needs protocol TLS"),
        new ErrorCase("two TLSRoutes on one Terminate listener", SECRET + TERMINATE + TERMINATE_ROUTE + """
            ---
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: TLSRoute
            metadata: { name: other, namespace: shop }
            spec:
              parentRefs: [{ name: gw }]
              rules: [{ backendRefs: [{ name: ratings, port: 9080 }] }]
            """, ":31: TLSRoute shop/other: spec.parentRefs: TLS Terminate listener mesh-9443 already forwards to"
            + " tlsroute.shop.db"),
        new ErrorCase("a Terminate listener without certificateRefs", TERMINATE.replace(", certificateRefs: [{ name: shop-cert }]", ""),
            ":11: Gateway shop/gw: spec.listeners[0].tls: a TLS listener with mode Terminate needs certificateRefs"),
        new ErrorCase("a TLS listener of an unknown mode", TERMINATE.replace("mode: Terminate", "mode: Reencrypt"),
            ":11: Gateway shop/gw: spec.listeners[0].tls.mode: \"Reencrypt\" is not a TLS mode (expected Terminate, Passthrough)"),
        new ErrorCase("an Istio TLS server with SIMPLE and no certificate", gateway("public", """
            - port: { number: 9443, protocol: TLS }
              hosts: ["db.example.com"]
              tls: { mode: SIMPLE }
            """), ":9: Gateway shop/public: spec.servers[0].tls: a server that terminates TLS needs credentialName"),
        new ErrorCase("plain TCP and TCP behind TLS on one port", SECRET + gateway("a", """
            - port: { number: 9443, protocol: TLS }
              hosts: ["db.example.com"]
              tls: { mode: SIMPLE, credentialName: shop-cert }
            """) + "---\n" + gateway("b", """
            - port: { number: 9443, protocol: TCP }
              hosts: ["*"]
            """), ":23: Gateway shop/b: spec.servers[0].port: port 9443 is TCP behind TLS in Gateway shop/a; one port serves one protocol"));
  }

  @ParameterizedTest
  @MethodSource("errors")
  void locatedErrors(ErrorCase c) throws IOException {
    Files.writeString(dir.resolve("services.yaml"), MeshFilesTest.SERVICES);
    Files.writeString(dir.resolve("mesh.yaml"), c.yaml());
    LoadResult.Rejected rejected = assertInstanceOf(LoadResult.Rejected.class, ConfigLoader.loadDirectory(dir));
    List<String> errors = rejected.errors().stream().map(ConfigError::toString).toList();
    assertTrue(errors.stream().anyMatch(e -> e.startsWith(dir.resolve("mesh.yaml") + c.expected())),
        "expected " + c.expected() + " in " + errors);
  }
}
