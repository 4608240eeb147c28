package io.gatehouse.routes.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.ConfigError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every validation error, each reported as FILE:LINE: message, and never a config. */
class ValidationTest {
  @TempDir static Path dir;

  private static final String UPSTREAM = """
      upstreams: [{ name: a, endpoints: ["127.0.0.1:9001"] }]
      """;

  @BeforeAll
  static void certificateFiles() throws IOException {
    Files.writeString(dir.resolve("tls.crt"), "placeholder");
    Files.writeString(dir.resolve("tls.key"), "placeholder");
  }

  /** One invalid config: what it shows, the YAML, and the line and words its error must have. */
  record Case(String desc, String yaml, int line, String message) {
    @Override public String toString() {
      return desc;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("YAML syntax error", "routes: [ { name: x\n", 2, "YAML syntax error"),
        new Case("unknown top-level key", "listners: []\n", 1, "unknown key \"listners\" in config (expected one of: admin, demo, egress, listeners, routes, upstreams)"),
        new Case("unknown listener key", "listeners:\n  - name: http\n    port: 8080\n    prot: HTTP\n", 4, "unknown key \"prot\" in listener"),
        new Case("wrong type: list where a mapping is expected", "admin: [1]\n", 1, "admin: expected a mapping, found a list"),
        new Case("wrong type: text where a number is expected", "listeners: [{ name: h, port: eighty }]\n", 1, "listener.port: \"eighty\" (expected a whole number 0..65535)"),
        new Case("port out of range", "listeners: [{ name: h, port: 70000 }]\n", 1, "(expected a whole number 0..65535)"),
        new Case("bad enum value", "listeners: [{ name: h, port: 80, protocol: HTTP3 }]\n", 1, "listener.protocol: \"HTTP3\" (expected one of: HTTP, HTTPS, TLS_PASSTHROUGH, EGRESS)"),
        new Case("missing listener port", "listeners: [{ name: h }]\n", 1, "\"port\" is required"),
        new Case("missing name", "listeners: [{ port: 80 }]\n", 1, "listener: \"name\" is required"),
        new Case("duplicate listener name", "listeners:\n  - { name: h, port: 80 }\n  - { name: h, port: 81 }\n", 3, "duplicate listener name \"h\" (first defined at gw.yaml:2)"),
        new Case("overlapping listener ports", "listeners:\n  - { name: a, port: 8080 }\n  - { name: b, port: 8080, address: 127.0.0.1 }\n", 3, "overlaps listener \"a\""),
        new Case("listener on the admin port", "listeners: [{ name: a, port: 9901 }]\n", 1, "port 9901 is the admin port"),
        new Case("HTTPS without tls", "listeners: [{ name: s, port: 8443, protocol: HTTPS }]\n", 1, "protocol HTTPS needs a \"tls\" block"),
        new Case("missing certificate file", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls:\n      certificates:\n        - { cert: missing.crt, key: tls.key }\n", 7, "file missing.crt not found"),
        new Case("TLS 1.0 minimum version", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls:\n      certificates: [{ cert: tls.crt, key: tls.key }]\n      minVersion: TLSv1\n", 7, "is not allowed (expected TLSv1.2 or TLSv1.3"),
        new Case("STRICT client auth without a CA", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls:\n      certificates: [{ cert: tls.crt, key: tls.key }]\n      clientAuth: STRICT\n", 7, "needs clientCa"),
        new Case("duplicate upstream name", "upstreams:\n  - { name: a, endpoints: [\"h:1\"] }\n  - { name: a, endpoints: [\"h:2\"] }\n", 3, "duplicate upstream name \"a\""),
        new Case("bad endpoint", "upstreams: [{ name: a, endpoints: [\"no-port\"] }]\n", 1, "endpoint \"no-port\" is not valid (expected HOST:PORT"),
        new Case("endpoint port zero", "upstreams: [{ name: a, endpoints: [\"h:0\"] }]\n", 1, "endpoint \"h:0\" is not valid"),
        new Case("no endpoints", "upstreams: [{ name: a }]\n", 1, "\"endpoints\" is required"),
        new Case("traffic policy not supported yet", "upstreams: [{ name: a, endpoints: [\"h:1\"], healthCheck: {} }]\n", 1, "healthCheck is not supported by this build yet"),
        new Case("dangling upstream", UPSTREAM + "routes: [{ name: r, backends: [{ upstream: b }] }]\n", 2, "upstream \"b\" is not defined (known: a)"),
        new Case("duplicate route name", UPSTREAM + "routes:\n  - { name: r, directResponse: { status: 200 } }\n  - { name: r, directResponse: { status: 200 } }\n", 4, "duplicate route name \"r\""),
        new Case("no action", "routes: [{ name: r }]\n", 1, "expected exactly one of backends, redirect, directResponse (found none)"),
        new Case("two actions", UPSTREAM + "routes: [{ name: r, backends: [{ upstream: a }], redirect: { scheme: https } }]\n", 2, "(found backends, redirect)"),
        new Case("weights add up to zero", UPSTREAM + "routes: [{ name: r, backends: [{ upstream: a, weight: 0 }] }]\n", 2, "weights add up to 0"),
        new Case("bad redirect status", "routes: [{ name: r, redirect: { status: 304 } }]\n", 1, "(expected 301, 302, 303, 307 or 308)"),
        new Case("bad direct response status", "routes: [{ name: r, directResponse: { status: 99 } }]\n", 1, "(expected a whole number 100..599)"),
        new Case("bad path regex", "routes:\n  - name: r\n    match: [{ path: { regex: \"/(a\" } }]\n    directResponse: { status: 200 }\n", 3, "bad regex \"/(a\": Unclosed group"),
        new Case("bad header regex", "routes:\n  - name: r\n    match: [{ headers: { x-a: { regex: \"[\" } } }]\n    directResponse: { status: 200 }\n", 3, "bad regex \"[\""),
        new Case("bad rewrite regex", UPSTREAM + "routes:\n  - name: r\n    backends: [{ upstream: a }]\n    rewrite: { regex: { pattern: \"*x\", substitution: / } }\n", 5, "bad regex \"*x\""),
        new Case("two path kinds", "routes:\n  - name: r\n    match: [{ path: { exact: /a, prefix: /b } }]\n    directResponse: { status: 200 }\n", 3, "expected exactly one of exact, prefix, regex (found exact, prefix)"),
        new Case("path without a slash", "routes:\n  - name: r\n    match: [{ path: { prefix: api } }]\n    directResponse: { status: 200 }\n", 3, "must start with /"),
        new Case("prefix rewrite on a regex match", UPSTREAM + "routes:\n  - name: r\n    match: [{ path: { regex: \"/a.*\" } }]\n    backends: [{ upstream: a }]\n    rewrite: { prefix: / }\n", 6, "a prefix rewrite needs every match entry to use a path prefix"),
        new Case("bad host pattern", "routes: [{ name: r, hosts: [\"a.*.com\"], directResponse: { status: 200 } }]\n", 1, "host \"a.*.com\" is not valid"),
        new Case("host with a port", "routes: [{ name: r, hosts: [\"a.com:80\"], directResponse: { status: 200 } }]\n", 1, "host \"a.com:80\" is not valid"),
        new Case("bad duration", "routes: [{ name: r, timeout: 5, directResponse: { status: 200 } }]\n", 1, "route.timeout: \"5\" is not a duration (expected e.g. 250ms, 5s, 1m, 1h)"),
        new Case("bad retry condition", "routes: [{ name: r, retries: { on: [sometimes] }, directResponse: { status: 200 } }]\n", 1, "\"sometimes\" (expected connect-failure, reset, 5xx, gateway-error or a status code)"),
        new Case("route filter not supported yet", "routes: [{ name: r, maxBodySize: 10MiB, directResponse: { status: 200 } }]\n", 1, "maxBodySize is not supported by this build yet"),
        new Case("protected header edit", "routes:\n  - name: r\n    headers: { request: { set: { Content-Length: \"1\" } } }\n    directResponse: { status: 200 }\n", 3, "\"Content-Length\" is managed by the gateway"),
        new Case("uppercase method token", "routes: [{ name: r, match: [{ methods: [get] }], directResponse: { status: 200 } }]\n", 1, "method \"get\" is not an uppercase HTTP method"),
        new Case("admin block twice", "admin: { port: 9901 }\n---\nadmin: { port: 9902 }\n", 3, "\"admin\" is already defined at gw.yaml:1"),
        new Case("admin off loopback without a token", "admin: { address: 0.0.0.0 }\n", 1, "is not loopback: set admin.tokenFile"),
        new Case("egress rule with host and cidr", "egress: { allow: [{ host: a.com, cidr: 10.0.0.0/8, ports: [443] }] }\n", 1, "expected exactly one of host, cidr"),
        new Case("egress rule with a bad cidr", "egress: { allow: [{ cidr: 10.0.0.0/33, ports: [443] }] }\n", 1, "prefix length must be 0..32"),
        new Case("egress rule without ports", "egress: { allow: [{ host: a.com }] }\n", 1, "\"ports\" is required"),
        new Case("egress mode", "egress: { mode: OPEN }\n", 1, "(expected one of: REGISTRY_ONLY, ALLOW_ANY)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachErrorIsReportedWithFileAndLine(Case c) {
    List<ConfigError> errors = rejected(c.yaml());
    String expected = "gw.yaml:" + c.line() + ": ";
    assertTrue(errors.stream().anyMatch(e -> e.toString().startsWith(expected) && e.message().contains(c.message())),
        () -> "expected an error at " + expected + "containing [" + c.message() + "], got " + errors);
  }

  @Test
  void errorsInSeveralFilesAreAllReported() {
    LoadResult result = ConfigLoader.load(List.of(
        new ConfigFile("a.yaml", "listeners: [{ name: h, port: 8080, bogus: 1 }]\n", dir),
        new ConfigFile("b.yaml", "routes:\n  - { name: r, backends: [{ upstream: nowhere }] }\n", dir),
        new ConfigFile("c.yaml", "upstreams: [ {\n", dir)));
    List<String> errors = assertInstanceOf(LoadResult.Rejected.class, result).errors().stream().map(ConfigError::toString).toList();
    assertEquals(3, errors.size(), errors.toString());
    assertTrue(errors.get(2).startsWith("c.yaml:2: YAML syntax error"), errors.toString());
    assertTrue(errors.contains("a.yaml:1: unknown key \"bogus\" in listener (expected one of: address, name, port, protocol, tls)"), errors.toString());
    assertTrue(errors.contains("b.yaml:2: upstream \"nowhere\" is not defined (known: none)"), errors.toString());
  }

  @Test
  void aMissingDirectoryIsOneError() {
    LoadResult result = ConfigLoader.loadDirectory(dir.resolve("absent"));
    List<ConfigError> errors = assertInstanceOf(LoadResult.Rejected.class, result).errors();
    assertEquals(1, errors.size());
    assertTrue(errors.get(0).message().startsWith("cannot read config directory"), errors.toString());
  }

  private static List<ConfigError> rejected(String yaml) {
    LoadResult result = ConfigLoader.load(List.of(new ConfigFile("gw.yaml", yaml, dir)));
    return assertInstanceOf(LoadResult.Rejected.class, result, () -> "expected errors for:\n" + yaml).errors();
  }
}
