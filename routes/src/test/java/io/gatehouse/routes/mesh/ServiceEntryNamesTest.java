package io.gatehouse.routes.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.UpstreamTls;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A ServiceEntry's {@code subjectAltNames}, as Istio applies them: where the DestinationRule's TLS
 * names none of its own, ISTIO_MUTUAL checks them instead of each endpoint's workload, SIMPLE and
 * MUTUAL instead of the host name (unless {@code insecureSkipVerify}); without TLS they change nothing.
 */
class ServiceEntryNamesTest {
  static final String SPIFFE = "spiffe://cluster.local/ns/partner/sa/api";

  /** A ServiceEntry with {@code entry} lines from line 8, a DestinationRule with {@code rule} lines, and a route to it. */
  static String mesh(String entry, String rule) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: partner, namespace: shop }
        spec:
          hosts: [api.partner.example]
          ports: [{ number: 443, name: https, protocol: HTTPS }]
          resolution: STATIC
        """ + entry.indent(2) + """
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: partner, namespace: shop }
        spec:
          host: api.partner.example
        """ + rule.indent(2) + """
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
        metadata: { name: partner, namespace: shop }
        spec:
          hosts: [partner.example.com]
          gateways: [public]
          http: [{ route: [{ destination: { host: api.partner.example } }] }]
        """;
  }

  static final String NAMED = """
      endpoints: [{ address: 192.0.2.10 }]
      subjectAltNames: [api.partner.internal, "spiffe://partner.example/api"]
      """;

  static final List<String> NAMES = List.of("api.partner.internal", "spiffe://partner.example/api");

  record Case(String description, String yaml, UpstreamTls expected, List<String> warnings) {
    @Override public String toString() {
      return description;
    }
  }

  static Stream<Case> translated() {
    return Stream.of(
        new Case("SIMPLE: the entry's names replace the host name", mesh(NAMED, """
            trafficPolicy: { tls: { mode: SIMPLE, sni: api.partner.example } }
            """), new UpstreamTls(true, "api.partner.example", "", "", "", false, false, NAMES), List.of()),
        new Case("SIMPLE: the DestinationRule's own subjectAltNames take precedence", mesh(NAMED, """
            trafficPolicy: { tls: { mode: SIMPLE, subjectAltNames: [lb.partner.internal] } }
            """), new UpstreamTls(true, "", "", "", "", false, false, List.of("lb.partner.internal")), List.of()),
        new Case("SIMPLE with insecureSkipVerify: no name is checked", mesh(NAMED, """
            trafficPolicy: { tls: { mode: SIMPLE, insecureSkipVerify: true } }
            """), new UpstreamTls(true, "", "", "", "", false), List.of()),
        new Case("a port's TLS takes them too", mesh(NAMED, """
            trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: SIMPLE } }] }
            """), new UpstreamTls(true, "", "", "", "", false, false, NAMES), List.of()),
        new Case("without TLS from the DestinationRule they change nothing", mesh(NAMED, """
            trafficPolicy: { loadBalancer: { simple: RANDOM } }
            """), UpstreamTls.NONE, List.of()),
        new Case("ISTIO_MUTUAL: the entry's SPIFFE ids instead of each endpoint's workload", mesh("""
            endpoints: [{ address: 192.0.2.10 }]
            subjectAltNames: ["%s"]
            """.formatted(SPIFFE), """
            trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }
            """), UpstreamTls.mesh("", List.of(SPIFFE)), List.of()),
        new Case("ISTIO_MUTUAL: the DestinationRule's own subjectAltNames take precedence", mesh("""
            endpoints: [{ address: 192.0.2.10 }]
            subjectAltNames: ["%s"]
            """.formatted(SPIFFE), """
            trafficPolicy: { tls: { mode: ISTIO_MUTUAL, subjectAltNames: ["spiffe://cluster.local/ns/partner/sa/lb"] } }
            """), UpstreamTls.mesh("", List.of("spiffe://cluster.local/ns/partner/sa/lb")), List.of()),
        new Case("ISTIO_MUTUAL: a name that is not a SPIFFE id is kept (it never matches) and warned about", mesh(NAMED, """
            trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }
            """), UpstreamTls.mesh("", NAMES),
            List.of(":9: warning: ServiceEntry shop/partner: spec.subjectAltNames[0]: \"api.partner.internal\" is not a"
                + " SPIFFE id; DestinationRule shop/partner is ISTIO_MUTUAL, which checks the upstream's spiffe:// URI SAN,"
                + " so this entry can never match there")),
        new Case("an endpoint's service account is not added to the names, and that is said", mesh("""
            endpoints: [{ address: 192.0.2.10, serviceAccount: partner-api }]
            subjectAltNames: [api.partner.internal]
            """, """
            trafficPolicy: { tls: { mode: SIMPLE } }
            """), new UpstreamTls(true, "", "", "", "", false, false, List.of("api.partner.internal")),
            List.of(":8: warning: ServiceEntry shop/partner: spec.endpoints[0].serviceAccount: not added to"
                + " subjectAltNames as Istio adds it (its SPIFFE id needs the mesh's trust domain): this endpoint must"
                + " present one of subjectAltNames; list spiffe://TRUST_DOMAIN/ns/shop/sa/partner-api there too")));
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
    UpstreamTls tls = loaded.config().upstreams().stream().filter(u -> u.name().equals("api.partner.example_443"))
        .findFirst().orElseThrow().tls();
    assertEquals(c.expected(), tls);
    List<String> warnings = loaded.warnings().stream().map(ConfigError::toString).toList();
    for (String expected : c.warnings()) {
      assertTrue(warnings.stream().anyMatch(w -> w.equals(dir.resolve("mesh.yaml") + expected)),
          "expected " + expected + " in " + warnings);
    }
    assertEquals(c.warnings().size(), warnings.size(), warnings.toString());
  }

  record ErrorCase(String description, String yaml, String expected) {
    @Override public String toString() {
      return description;
    }
  }

  static Stream<ErrorCase> errors() {
    String tls = "trafficPolicy: { tls: { mode: SIMPLE } }";
    return Stream.of(
        new ErrorCase("a name with a space", mesh("""
            endpoints: [{ address: 192.0.2.10 }]
            subjectAltNames: [api.partner.internal, "api partner"]
            """, tls), ":9: ServiceEntry shop/partner: spec.subjectAltNames[1]: \"api partner\" is not a certificate name"
            + " (a DNS name, URI or IP address)"),
        new ErrorCase("a mapping where a name belongs", mesh("""
            endpoints: [{ address: 192.0.2.10 }]
            subjectAltNames:
              - { dns: api.partner.internal }
            """, tls), ":10: ServiceEntry shop/partner: spec.subjectAltNames[0]: \"{\"dns\":\"api.partner.internal\"}\""
            + " is not a certificate name (a DNS name, URI or IP address)"),
        new ErrorCase("a name where a list belongs", mesh("""
            endpoints: [{ address: 192.0.2.10 }]
            subjectAltNames: api.partner.internal
            """, tls), ":9: ServiceEntry shop/partner: spec.subjectAltNames: expected a list, found string"));
  }

  @ParameterizedTest
  @MethodSource("errors")
  void locatedErrors(ErrorCase c) throws IOException {
    Files.writeString(dir.resolve("mesh.yaml"), c.yaml());
    LoadResult.Rejected rejected = assertInstanceOf(LoadResult.Rejected.class, ConfigLoader.loadDirectory(dir));
    List<String> errors = rejected.errors().stream().map(ConfigError::toString).toList();
    assertTrue(errors.stream().anyMatch(e -> e.equals(dir.resolve("mesh.yaml") + c.expected())),
        "expected " + c.expected() + " in " + errors);
  }
}
