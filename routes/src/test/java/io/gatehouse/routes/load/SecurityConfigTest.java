package io.gatehouse.routes.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.auth.AuthorizationPolicy;
import io.gatehouse.routes.auth.JwtProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code authentication}, {@code authorization} and {@code extAuthz}: defaults, and every mistake located at its line. */
class SecurityConfigTest {
  private static final String BASE = """
      listeners: [{ name: web, port: 8080 }]
      routes: [{ name: r, directResponse: { status: 200 } }]
      """;

  private static LoadResult load(String yaml) {
    return ConfigLoader.load(List.of(new ConfigFile("s.yaml", BASE + yaml, Path.of("."))));
  }

  @Test
  void aProviderWithoutLocationsGetsIstiosDefaults() {
    GatewayConfig c = assertInstanceOf(LoadResult.Loaded.class, load("""
        authentication: [{ name: idp, issuer: https://idp.test, jwksUri: "https://idp.test/jwks" }]
        """)).config();
    JwtProvider p = c.security().authentication().get(0);
    assertEquals(List.of(JwtProvider.FromHeader.AUTHORIZATION), p.fromHeaders());
    assertEquals(List.of("access_token"), p.fromParams());
    assertEquals(JwtProvider.DEFAULT_CLOCK_SKEW, p.clockSkew());
    assertEquals(new JwtProvider.Jwks.Remote("https://idp.test/jwks", JwtProvider.Jwks.Remote.DEFAULT_TIMEOUT, ""), p.jwks());
  }

  @Test
  void aPolicyWithoutRulesIsAnAllowThatMatchesNothing() {
    GatewayConfig c = assertInstanceOf(LoadResult.Loaded.class, load("authorization: [{ name: nobody }]\n")).config();
    AuthorizationPolicy p = c.security().authorization().get(0);
    assertEquals(AuthorizationPolicy.Action.ALLOW, p.action());
    assertTrue(p.rules().isEmpty());
  }

  record Case(String yaml, String error) {
    @Override public String toString() {
      return error;
    }
  }

  static Stream<Case> mistakes() {
    return Stream.of(
        new Case("authentication: [{ name: a, issuer: i }]\n",
            "s.yaml:3: authentication provider a: expected exactly one of jwksUri, jwks, jwksFile (found none)"),
        new Case("authentication: [{ name: a, issuer: i, jwksUri: \"http://idp.example.com/k\" }]\n",
            "s.yaml:3: authentication provider a.jwksUri: \"http://idp.example.com/k\" (expected an https:// URL; http:// only to a loopback host)"),
        new Case("authentication: [{ name: a, issuer: i, jwks: '{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}' }]\n",
            "s.yaml:3: authentication provider a.jwks: key type \"oct\" is not accepted (expected RSA or EC: public keys only)"),
        new Case("authentication: [{ name: a, issuer: i, jwksFile: missing.json }]\n",
            "s.yaml:3: authentication provider a.jwksFile: file missing.json not found"),
        new Case("authentication: [{ name: a, jwks: '{\"keys\": []}' }]\n",
            "s.yaml:3: authentication provider a: \"issuer\" is required"),
        new Case("authentication: [{ name: a, issuer: i, jwks: '{\"keys\": []}', routes: [nope] }]\n",
            "s.yaml:3: authentication provider \"a\": routes: route \"nope\" is not defined"),
        new Case("authorization: [{ name: p, action: PERMIT }]\n",
            "s.yaml:3: authorization policy p.action: \"PERMIT\" (expected one of: ALLOW, DENY, AUDIT, CUSTOM)"),
        new Case("authorization: [{ name: p, action: CUSTOM }]\n",
            "s.yaml:3: authorization policy p: action CUSTOM needs a provider"),
        new Case("authorization: [{ name: p, action: CUSTOM, provider: opa }]\n",
            "s.yaml:3: authorization policy \"p\": provider: extAuthz service \"opa\" is not defined (known: none)"),
        new Case("authorization: [{ name: p, listeners: [other] }]\n",
            "s.yaml:3: authorization policy \"p\": listeners: listener \"other\" is not defined"),
        new Case("""
            authorization:
              - name: p
                rules:
                  - from: [{ source: { ipBlocks: [10.0.0.300/8] } }]
            """, "s.yaml:6: authorization policy p rule: from[0].source.ipBlocks: \"10.0.0.300/8\" is not an IP address or CIDR"),
        new Case("""
            authorization:
              - name: p
                rules:
                  - to: [{ operation: { paths: ["/a*b"] } }]
            """, "s.yaml:6: authorization policy p rule: to[0].operation.paths: \"/a*b\": * is only allowed alone, at the start or at the end"),
        new Case("""
            authorization:
              - name: p
                rules:
                  - when: [{ key: request.auth.claimz, values: [x] }]
            """, "s.yaml:6: authorization policy p rule: when[0].key: \"request.auth.claimz\" is not a supported attribute"),
        new Case("""
            authorization:
              - name: p
                rules:
                  - when: [{ key: "request.headers[x]" }]
            """, "s.yaml:6: authorization policy p rule: when[0]: values or notValues is required"),
        new Case("""
            authorization:
              - name: p
                rules:
                  - to: [{ operation: { ports: [http] } }]
            """, "s.yaml:6: authorization policy p rule operation.ports: \"http\" is not a port"),
        new Case("extAuthz: [{ name: e, uri: \"ftp://x\" }]\n",
            "s.yaml:3: extAuthz service e.uri: \"ftp://x\" (expected http(s)://host[:port][/path prefix])"),
        new Case("extAuthz: [{ name: e, uri: \"http://x\", timeout: 0s }]\n",
            "s.yaml:3: extAuthz service e.timeout: must be more than 0"));
  }

  @ParameterizedTest
  @MethodSource("mistakes")
  void everyMistakeIsReportedAtItsLine(Case c) {
    LoadResult.Rejected rejected = assertInstanceOf(LoadResult.Rejected.class, load(c.yaml()), c.yaml());
    List<String> errors = rejected.errors().stream().map(ConfigError::toString).toList();
    assertTrue(errors.stream().anyMatch(e -> e.startsWith(c.error())), () -> "expected " + c.error() + " in " + errors);
  }
}
