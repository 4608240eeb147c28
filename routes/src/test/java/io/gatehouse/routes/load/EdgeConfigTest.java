package io.gatehouse.routes.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.ListenerEdge;
import io.gatehouse.routes.ListenerEdge.EscapedSlashes;
import io.gatehouse.routes.ListenerEdge.PathNormalization;
import io.gatehouse.routes.ListenerEdge.UnderscoreHeaders;
import io.gatehouse.routes.mesh.MeshSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A listener's edge keys: their defaults, how they load, and every error with its file and line. */
class EdgeConfigTest {
  @Test
  void defaultsAreSafeAndEveryKeyLoads() {
    GatewayConfig config = loaded("""
        listeners:
          - { name: a, port: 8080 }
          - name: b
            port: 8081
            pathNormalization: DECODE_AND_MERGE_SLASHES
            originalPathHeader: x-envoy-original-path
            headersWithUnderscores: REJECT_REQUEST
            trustedHops: 1
            trustedCidrs: [10.0.0.0/8, 192.0.2.7, "fd00::/8"]
          - { name: c, port: 8082, pathNormalization: NONE }
          - { name: d, port: 8083, pathNormalization: BASE, escapedSlashes: UNESCAPE_AND_REDIRECT }
        """);
    assertEquals(ListenerEdge.DEFAULT, config.listeners().get(0).edge());
    assertEquals(new ListenerEdge(PathNormalization.DECODE_AND_MERGE_SLASHES, EscapedSlashes.UNESCAPE_AND_FORWARD,
        "x-envoy-original-path", UnderscoreHeaders.REJECT_REQUEST, 1, List.of("10.0.0.0/8", "192.0.2.7", "fd00::/8"), true),
        config.listeners().get(1).edge());
    assertEquals(EscapedSlashes.KEEP_UNCHANGED, config.listeners().get(2).edge().escapedSlashes(), "NONE keeps the path as sent");
    assertEquals(EscapedSlashes.UNESCAPE_AND_REDIRECT, config.listeners().get(3).edge().escapedSlashes());
  }

  /** Istio sets these mesh-wide (meshConfig.pathNormalization, gatewayTopology.numTrustedProxies): here, per Kubernetes source. */
  @Test
  void aKubernetesSourceGivesTheListenersItMakesItsEdge() {
    GatewayConfig config = loaded("""
        kubernetes:
          - { name: default }
          - { name: behind-lb, pathNormalization: DECODE_AND_MERGE_SLASHES, trustedHops: 2 }
        """);
    assertEquals(ListenerEdge.DEFAULT, MeshSettings.of(config.kubernetes().get(0)).edge());
    ListenerEdge edge = MeshSettings.of(config.kubernetes().get(1)).edge();
    assertEquals(PathNormalization.DECODE_AND_MERGE_SLASHES, edge.pathNormalization());
    assertEquals(EscapedSlashes.UNESCAPE_AND_FORWARD, edge.escapedSlashes());
    assertEquals(2, edge.trustedHops());
    assertEquals(ListenerEdge.DEFAULT, MeshSettings.FILES.edge(), "Gateways read from files get the safe defaults");
  }

  record Case(String desc, String yaml, int line, String message) {
    @Override public String toString() {
      return desc;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("unknown normalisation", "listeners:\n  - { name: a, port: 80,\n      pathNormalization: RFC3986 }\n", 3,
            "listener a.pathNormalization: \"RFC3986\" (expected one of: NONE, BASE, MERGE_SLASHES, DECODE_AND_MERGE_SLASHES)"),
        new Case("unknown escaped-slash action", "listeners:\n  - { name: a, port: 80, escapedSlashes: DROP }\n", 2,
            "(expected one of: KEEP_UNCHANGED, REJECT_REQUEST, UNESCAPE_AND_REDIRECT, UNESCAPE_AND_FORWARD)"),
        new Case("decoding that keeps slashes", "listeners:\n  - { name: a, port: 80, pathNormalization: DECODE_AND_MERGE_SLASHES,"
            + " escapedSlashes: KEEP_UNCHANGED }\n", 2, "escapedSlashes KEEP_UNCHANGED contradicts pathNormalization DECODE_AND_MERGE_SLASHES"),
        new Case("bad original-path header", "listeners:\n  - { name: a, port: 80, originalPathHeader: \"X Original\" }\n", 2,
            "originalPathHeader: \"X Original\" is not a lowercase header name"),
        new Case("unknown underscore action", "listeners:\n  - { name: a, port: 80, headersWithUnderscores: DROP }\n", 2,
            "(expected one of: ALLOW, DROP_HEADER, REJECT_REQUEST)"),
        new Case("negative trusted hops", "listeners:\n  - { name: a, port: 80, trustedHops: -1 }\n", 2, "trustedHops"),
        new Case("a trusted CIDR that is not one", "listeners:\n  - name: a\n    port: 80\n    trustedCidrs:\n      - 10.0.0.0/8\n"
            + "      - 10.0.0.0/33\n", 6, "listener a.trustedCidrs: \"10.0.0.0/33\" is not a CIDR"),
        new Case("a trusted CIDR that is a name", "listeners:\n  - { name: a, port: 80, trustedCidrs: [lb.internal] }\n", 2,
            "\"lb.internal\" is not a CIDR"),
        new Case("the certificate check on plain HTTP", "listeners:\n  - { name: a, port: 80, hostMustMatchCertificate: false }\n", 2,
            "\"hostMustMatchCertificate\" is only for protocol HTTPS (this one is HTTP)"),
        new Case("an edge key on egress", "listeners:\n  - { name: a, port: 3128, protocol: EGRESS, pathNormalization: NONE }\n", 2,
            "\"pathNormalization\" is only for protocols HTTP and HTTPS (this one is EGRESS)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachErrorIsReportedWithFileAndLine(Case c) {
    LoadResult result = ConfigLoader.load(List.of(new ConfigFile("gw.yaml", c.yaml(), Path.of("."))));
    List<ConfigError> errors = assertInstanceOf(LoadResult.Rejected.class, result, () -> "expected errors for:\n" + c.yaml()).errors();
    String expected = "gw.yaml:" + c.line() + ": ";
    assertTrue(errors.stream().anyMatch(e -> e.toString().startsWith(expected) && e.message().contains(c.message())),
        () -> "expected an error at " + expected + "containing [" + c.message() + "], got " + errors);
  }

  private static GatewayConfig loaded(String yaml) {
    LoadResult result = ConfigLoader.load(List.of(new ConfigFile("gw.yaml", yaml, Path.of("."))));
    if (result instanceof LoadResult.Rejected rejected) {
      throw new AssertionError("expected a config, got " + rejected.errors());
    }
    return assertInstanceOf(LoadResult.Loaded.class, result).config();
  }
}
