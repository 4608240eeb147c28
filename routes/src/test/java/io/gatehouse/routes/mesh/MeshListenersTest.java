package io.gatehouse.routes.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
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
            """), c -> listener(c, 80).httpsRedirect(), Listener.HttpsRedirect.NONE));
  }

  @TempDir Path dir;

  @ParameterizedTest
  @MethodSource("translated")
  void translated(Case c) throws IOException {
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
            + " servers sharing a port share tls.httpsRedirect"));
  }

  @ParameterizedTest
  @MethodSource("errors")
  void locatedErrors(ErrorCase c) throws IOException {
    Files.writeString(dir.resolve("mesh.yaml"), c.yaml());
    LoadResult.Rejected rejected = assertInstanceOf(LoadResult.Rejected.class, ConfigLoader.loadDirectory(dir));
    List<String> errors = rejected.errors().stream().map(ConfigError::toString).toList();
    assertTrue(errors.stream().anyMatch(e -> e.startsWith(dir.resolve("mesh.yaml") + c.expected())),
        "expected " + c.expected() + " in " + errors);
  }
}
