package io.gatehouse.routes.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Istio Gateway TCP servers become TCP listeners; VirtualService {@code tcp} routes pick them by port. */
class IstioTcpRoutesTest {
  @TempDir Path dir;

  private LoadResult.Loaded load(String yaml) throws IOException {
    Files.writeString(dir.resolve("services.yaml"), MeshFilesTest.SERVICES);
    Files.writeString(dir.resolve("mesh.yaml"), yaml);
    LoadResult result = ConfigLoader.loadDirectory(dir);
    if (result instanceof LoadResult.Rejected r) {
      throw new AssertionError(r.errors());
    }
    return assertInstanceOf(LoadResult.Loaded.class, result);
  }

  @Test
  void tcpServersAndPortMatchedWeightedRoutes() throws IOException {
    LoadResult.Loaded loaded = load("""
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: public, namespace: shop }
        spec:
          selector: { istio: ingressgateway }
          servers:
            - { port: { number: 9000, protocol: TCP, name: db }, hosts: ["*"] }
            - { port: { number: 9001, protocol: TCP, name: cache }, hosts: ["*"] }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: db, namespace: shop }
        spec:
          hosts: ["*"]
          gateways: [public]
          tcp:
            - match: [{ port: 9000 }]
              route:
                - { destination: { host: reviews, port: { number: 9080 } }, weight: 80 }
                - { destination: { host: ratings }, weight: 20 }
            - match: [{ port: 9001, sourceLabels: { app: x } }]
              route: [{ destination: { host: ratings } }]
            - match: [{ port: 9000 }]
              route: [{ destination: { host: ratings } }]
        """);
    GatewayConfig config = loaded.config();
    assertEquals(List.of("mesh-9000 TCP", "mesh-9001 TCP"),
        config.listeners().stream().map(l -> l.name() + " " + l.protocol()).sorted().toList());
    Route db = config.routes().stream().filter(r -> r.name().equals("istio.shop.db.tcp.0")).findFirst().orElseThrow();
    assertEquals(List.of("mesh-9000"), db.listeners());
    assertEquals(List.of(80, 20), ((Action.Forward) db.action()).backends().stream().map(Action.Backend::weight).toList());
    Route cache = config.routes().stream().filter(r -> r.name().equals("istio.shop.db.tcp.1")).findFirst().orElseThrow();
    assertEquals(List.of("mesh-9001"), cache.listeners());
    assertTrue(config.routes().stream().noneMatch(r -> r.name().equals("istio.shop.db.tcp.2")),
        "port 9000 is taken by the first route");
    List<String> warnings = loaded.warnings().stream().map(ConfigError::toString).toList();
    assertTrue(warnings.stream().anyMatch(w -> w.contains("mesh.yaml:21:") && w.contains("sourceLabels: not supported")), warnings.toString());
    assertTrue(warnings.stream().anyMatch(w -> w.contains("mesh.yaml:23:") && w.contains("TCP listener mesh-9000 already forwards to istio.shop.db.tcp.0")),
        warnings.toString());
    assertTrue(config.listeners().stream().allMatch(l -> l.protocol() == Listener.Protocol.TCP));
  }

  @Test
  void gatewayApiTcpRoutesOnTcpListeners() throws IOException {
    LoadResult.Loaded loaded = load("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: gw, namespace: shop }
        spec:
          gatewayClassName: gatehouse
          listeners:
            - { name: web, port: 80, protocol: HTTP }
            - { name: db, port: 9000, protocol: TCP }
        ---
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: TCPRoute
        metadata: { name: db, namespace: shop }
        spec:
          parentRefs: [{ name: gw, sectionName: db }]
          rules:
            - backendRefs: [{ name: reviews, port: 9080, weight: 3 }, { name: ratings, port: 9080, weight: 1 }]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: web, namespace: shop }
        spec:
          parentRefs: [{ name: gw }]
          rules: [{ backendRefs: [{ name: reviews, port: 9080 }] }]
        """);
    GatewayConfig config = loaded.config();
    assertEquals(List.of("mesh-80 HTTP", "mesh-9000 TCP"),
        config.listeners().stream().map(l -> l.name() + " " + l.protocol()).sorted().toList());
    Route db = config.routes().stream().filter(r -> r.name().equals("tcproute.shop.db")).findFirst().orElseThrow();
    assertEquals(List.of("mesh-9000"), db.listeners());
    assertEquals(List.of(3, 1), ((Action.Forward) db.action()).backends().stream().map(Action.Backend::weight).toList());
    assertTrue(config.routes().stream().filter(r -> r.name().startsWith("httproute."))
        .allMatch(r -> r.listeners().equals(List.of("mesh-80"))), "the HTTPRoute does not attach to the TCP listener");
  }
}
