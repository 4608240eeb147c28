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
        new Case("unknown top-level key", "listners: []\n", 1, "unknown key \"listners\" in config (expected one of: admin, authentication, authorization, demo, egress, extAuthz, kubernetes, listeners, meshIdentity, routes, telemetry, upstreams, xds)"),
        new Case("unknown access-log field", "telemetry:\n  accessLog:\n    fields: [time, sttus]\n", 3, "telemetry.accessLog.fields: \"sttus\" is not a field"),
        new Case("unknown access-log placeholder", "telemetry:\n  accessLog:\n    format: TEXT\n    text: \"%method% %UPSTREAM_WHAT%\"\n", 4, "%UPSTREAM_WHAT% is not a field"),
        new Case("access-log text without TEXT", "telemetry:\n  accessLog:\n    text: \"%method%\"\n", 3, "\"text\" needs format: TEXT"),
        new Case("tracing without an endpoint", "telemetry:\n  tracing: { sampling: 5 }\n", 2, "telemetry.tracing: \"endpoint\" is required"),
        new Case("tracing endpoint not a URL", "telemetry:\n  tracing:\n    endpoint: otel:4317\n", 3, "is not an http(s) URL"),
        new Case("sampling over 100", "telemetry:\n  tracing: { endpoint: \"http://otel:4317\", sampling: 150 }\n", 2, "telemetry.tracing.sampling: \"150\" (expected a number 0..100)"),
        new Case("unknown propagation", "telemetry:\n  tracing: { endpoint: \"http://otel:4317\", propagation: [jaeger] }\n", 2, "\"jaeger\" (expected some of: W3C, B3, B3_MULTI)"),
        new Case("unknown listener key", "listeners:\n  - name: http\n    port: 8080\n    prot: HTTP\n", 4, "unknown key \"prot\" in listener"),
        new Case("wrong type: list where a mapping is expected", "admin: [1]\n", 1, "admin: expected a mapping, found a list"),
        new Case("wrong type: text where a number is expected", "listeners: [{ name: h, port: eighty }]\n", 1, "listener h.port: \"eighty\" (expected a whole number 0..65535)"),
        new Case("port out of range", "listeners: [{ name: h, port: 70000 }]\n", 1, "(expected a whole number 0..65535)"),
        new Case("bad enum value", "listeners: [{ name: h, port: 80, protocol: HTTP3 }]\n", 1, "listener h.protocol: \"HTTP3\" (expected one of: HTTP, HTTPS, TLS_PASSTHROUGH, EGRESS, TCP)"),
        new Case("missing listener port", "listeners: [{ name: h }]\n", 1, "\"port\" is required"),
        new Case("missing name", "listeners: [{ port: 80 }]\n", 1, "listener: \"name\" is required"),
        new Case("duplicate listener name", "listeners:\n  - { name: h, port: 80 }\n  - { name: h, port: 81 }\n", 3, "duplicate listener name \"h\" (first defined at gw.yaml:2)"),
        new Case("overlapping listener ports", "listeners:\n  - { name: a, port: 8080 }\n  - { name: b, port: 8080, address: 127.0.0.1 }\n", 3, "overlaps listener \"a\""),
        new Case("listener on the admin port", "listeners: [{ name: a, port: 9901 }]\n", 1, "port 9901 is the admin port"),
        new Case("HTTPS without tls", "listeners: [{ name: s, port: 8443, protocol: HTTPS }]\n", 1, "protocol HTTPS needs a \"tls\" block"),
        new Case("missing certificate file", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls:\n      certificates:\n        - { cert: missing.crt, key: tls.key }\n", 7, "file missing.crt not found"),
        new Case("dev certificate with files", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls:\n      certificates:\n        - { dev: true, cert: tls.crt, key: tls.key }\n", 7, "dev: true issues its own certificate; remove cert and key"),
        new Case("httpsRedirect on an HTTPS listener", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    httpsRedirect: true\n    tls: { certificates: [{ dev: true }] }\n", 5, "httpsRedirect is only for protocol HTTP (this one is HTTPS)"),
        new Case("bad httpsRedirect status", "listeners:\n  - name: h\n    port: 80\n    httpsRedirect: { status: 200 }\n", 4, "listener h httpsRedirect.status: 200 (expected 301, 302, 303, 307 or 308)"),
        new Case("TLS 1.0 minimum version", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls:\n      certificates: [{ cert: tls.crt, key: tls.key }]\n      minVersion: TLSv1\n", 7, "is not allowed (expected TLSv1.2 or TLSv1.3"),
        new Case("STRICT client auth without a CA", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls:\n      certificates: [{ cert: tls.crt, key: tls.key }]\n      clientAuth: STRICT\n", 7, "needs clientCa"),
        new Case("duplicate upstream name", "upstreams:\n  - { name: a, endpoints: [\"h:1\"] }\n  - { name: a, endpoints: [\"h:2\"] }\n", 3, "duplicate upstream name \"a\""),
        new Case("bad endpoint", "upstreams: [{ name: a, endpoints: [\"no-port\"] }]\n", 1, "endpoint \"no-port\" is not valid (expected HOST:PORT"),
        new Case("endpoint port zero", "upstreams: [{ name: a, endpoints: [\"h:0\"] }]\n", 1, "endpoint \"h:0\" is not valid"),
        new Case("no endpoints", "upstreams: [{ name: a }]\n", 1, "\"endpoints\" is required"),
        new Case("endpoint mapping without address", "upstreams:\n  - name: a\n    endpoints:\n      - workload: { name: w }\n", 4, "upstream \"a\" endpoint: \"address\" is required (HOST:PORT)"),
        new Case("endpoint mapping with a bad address", "upstreams:\n  - name: a\n    endpoints:\n      - { address: \"h:0\" }\n", 4, "endpoint \"h:0\" is not valid"),
        new Case("unknown endpoint key", "upstreams:\n  - name: a\n    endpoints:\n      - address: \"h:1\"\n        weight: 3\n", 5, "unknown key \"weight\" in upstream \"a\" endpoint (expected one of: address, workload)"),
        new Case("unknown workload key", "upstreams:\n  - name: a\n    endpoints:\n      - address: \"h:1\"\n        workload:\n          sa: reviews\n", 6, "unknown key \"sa\" in upstream \"a\" endpoint workload (expected one of: app, cluster, identity, name, namespace, serviceAccount, version)"),
        new Case("workload identity not SPIFFE", "upstreams:\n  - name: a\n    endpoints:\n      - address: \"h:1\"\n        workload:\n          identity: reviews\n", 6, "workload.identity: \"reviews\" is not a SPIFFE id"),
        new Case("workload service account without namespace", "upstreams:\n  - name: a\n    endpoints:\n      - address: \"h:1\"\n        workload: { serviceAccount: reviews }\n", 5, "workload.serviceAccount: needs the workload's namespace"),
        new Case("workload namespace not a Kubernetes name", "upstreams:\n  - name: a\n    endpoints:\n      - address: \"h:1\"\n        workload:\n          namespace: Shop_1\n", 6, "workload.namespace: \"Shop_1\" is not a Kubernetes name"),
        new Case("dangling upstream", UPSTREAM + "routes: [{ name: r, backends: [{ upstream: b }] }]\n", 2, "upstream \"b\" is not defined (known: a)"),
        new Case("duplicate route name", UPSTREAM + "routes:\n  - { name: r, directResponse: { status: 200 } }\n  - { name: r, directResponse: { status: 200 } }\n", 4, "duplicate route name \"r\""),
        new Case("no action", "routes: [{ name: r }]\n", 1, "expected exactly one of backends, redirect, directResponse (found none)"),
        new Case("sticky session without a cookie", UPSTREAM + "routes:\n  - name: r\n    backends: [{ upstream: a }]\n    stickySession: { ttl: 1h }\n", 5, "route r stickySession: \"cookie\" is required"),
        new Case("sticky cookie name not a token", UPSTREAM + "routes:\n  - name: r\n    backends: [{ upstream: a }]\n    stickySession:\n      cookie: \"gh shop\"\n", 6, "stickySession.cookie: \"gh shop\" is not a cookie name"),
        new Case("sticky ttl not a duration", UPSTREAM + "routes:\n  - name: r\n    backends: [{ upstream: a }]\n    stickySession:\n      cookie: s\n      ttl: soon\n", 7, "stickySession.ttl: \"soon\" is not a duration"),
        new Case("sticky sameSite unknown", UPSTREAM + "routes:\n  - name: r\n    backends: [{ upstream: a }]\n    stickySession:\n      cookie: s\n      sameSite: Loose\n", 7, "\"Loose\" (expected one of: Lax, Strict, None)"),
        new Case("sticky SameSite=None without secure", UPSTREAM + "routes:\n  - name: r\n    backends: [{ upstream: a }]\n    stickySession:\n      cookie: s\n      sameSite: None\n      secure: false\n", 8, "sameSite None needs secure: true"),
        new Case("sticky session on a redirect", UPSTREAM + "routes:\n  - name: r\n    redirect: { scheme: https }\n    stickySession: { cookie: s }\n", 5, "stickySession: needs backends"),
        new Case("unknown sticky key", UPSTREAM + "routes:\n  - name: r\n    backends: [{ upstream: a }]\n    stickySession:\n      cookie: s\n      maxAge: 1h\n", 7, "unknown key \"maxAge\""),
        new Case("two actions", UPSTREAM + "routes: [{ name: r, backends: [{ upstream: a }], redirect: { scheme: https } }]\n", 2, "(found backends, redirect)"),
        new Case("weights add up to zero", UPSTREAM + "routes: [{ name: r, backends: [{ upstream: a, weight: 0 }] }]\n", 2, "weights add up to 0"),
        new Case("bad redirect status", "routes: [{ name: r, redirect: { status: 304 } }]\n", 1, "(expected 301, 302, 303, 307 or 308)"),
        new Case("bad direct response status", "routes: [{ name: r, directResponse: { status: 99 } }]\n", 1, "(expected a whole number 100..599)"),
        new Case("bad path regex", "routes:\n  - name: r\n    match: [{ path: { regex: \"/(a\" } }]\n    directResponse: { status: 200 }\n", 3, "bad regex \"/(a\": missing closing )"),
        new Case("bad header regex", "routes:\n  - name: r\n    match: [{ headers: { x-a: { regex: \"[\" } } }]\n    directResponse: { status: 200 }\n", 3, "bad regex \"[\""),
        new Case("bad rewrite regex", UPSTREAM + "routes:\n  - name: r\n    backends: [{ upstream: a }]\n    rewrite: { regex: { pattern: \"*x\", substitution: / } }\n", 5, "bad regex \"*x\""),
        new Case("two path kinds", "routes:\n  - name: r\n    match: [{ path: { exact: /a, prefix: /b } }]\n    directResponse: { status: 200 }\n", 3, "expected exactly one of exact, prefix, regex (found exact, prefix)"),
        new Case("path without a slash", "routes:\n  - name: r\n    match: [{ path: { prefix: api } }]\n    directResponse: { status: 200 }\n", 3, "must start with /"),
        new Case("prefix rewrite on a regex match", UPSTREAM + "routes:\n  - name: r\n    match: [{ path: { regex: \"/a.*\" } }]\n    backends: [{ upstream: a }]\n    rewrite: { prefix: / }\n", 6, "a prefix rewrite needs every match entry to use a path prefix"),
        new Case("bad host pattern", "routes: [{ name: r, hosts: [\"a.*.com\"], directResponse: { status: 200 } }]\n", 1, "host \"a.*.com\" is not valid"),
        new Case("host with a port", "routes: [{ name: r, hosts: [\"a.com:80\"], directResponse: { status: 200 } }]\n", 1, "host \"a.com:80\" is not valid"),
        new Case("bad duration", "routes: [{ name: r, timeout: 5, directResponse: { status: 200 } }]\n", 1, "route r.timeout: \"5\" is not a duration (expected e.g. 250ms, 5s, 1m, 1h)"),
        new Case("backoff max below its base", "routes:\n  - name: r\n    directResponse: { status: 200 }\n    retries:\n      backoff: { base: 100ms, max: 50ms }\n", 5, "max: 50ms is less than base 100ms (expected max >= base)"),
        new Case("backoff base zero", "routes:\n  - name: r\n    directResponse: { status: 200 }\n    retries:\n      backoff: { base: 0ms }\n", 5, "base: 0 (expected more than 0"),
        new Case("unknown backoff key", "routes:\n  - name: r\n    directResponse: { status: 200 }\n    retries:\n      backoff: { jitter: 5 }\n", 5, "unknown key \"jitter\" in route r retries.backoff (expected one of: base, max, maxRetryAfter, min)"),
        new Case("bad retry condition", "routes: [{ name: r, retries: { on: [sometimes] }, directResponse: { status: 200 } }]\n", 1, "\"sometimes\" (expected connect-failure, reset, 5xx, gateway-error or a status code)"),
        new Case("protected header edit", "routes:\n  - name: r\n    headers: { request: { set: { Content-Length: \"1\" } } }\n    directResponse: { status: 200 }\n", 3, "\"Content-Length\" is managed by the gateway"),
        new Case("uppercase method token", "routes: [{ name: r, match: [{ methods: [get] }], directResponse: { status: 200 } }]\n", 1, "method \"get\" is not an uppercase HTTP method"),
        new Case("admin block twice", "admin: { port: 9901 }\n---\nadmin: { port: 9902 }\n", 3, "\"admin\" is already defined at gw.yaml:1"),
        new Case("admin off loopback without a token", "admin: { address: 0.0.0.0 }\n", 1, "is not loopback: set admin.tokenFile"),
        new Case("egress rule with host and cidr", "egress: { allow: [{ host: a.com, cidr: 10.0.0.0/8, ports: [443] }] }\n", 1, "expected exactly one of host, cidr"),
        new Case("egress rule with a bad cidr", "egress: { allow: [{ cidr: 10.0.0.0/33, ports: [443] }] }\n", 1, "prefix length must be 0..32"),
        new Case("egress rule without ports", "egress: { allow: [{ host: a.com }] }\n", 1, "\"ports\" is required"),
        new Case("egress mode", "egress: { mode: OPEN }\n", 1, "(expected one of: REGISTRY_ONLY, ALLOW_ANY)"),
        new Case("egress rule with no ports", "egress:\n  allow:\n    - host: a.com\n      ports: []\n", 4, "\"ports\" is empty"),
        new Case("egress rule with neither host nor cidr", "egress: { allow: [{ ports: [443] }] }\n", 1, "egress rule: expected exactly one of host, cidr"),
        new Case("egress rule for every host", "egress: { allow: [{ host: \"*\", ports: [443] }] }\n", 1, "host \"*\" is not valid (expected an exact name or *.domain)"),
        new Case("egress cidr that is a name", "egress: { allow: [{ cidr: example.com/24, ports: [443] }] }\n", 1, "\"example.com\" is not an IPv4 or IPv6 address"),
        new Case("egress port out of range", "egress: { allow: [{ host: a.com, ports: [0] }] }\n", 1, "port \"0\" (expected 1..65535)"),
        new Case("egress source that is not a CIDR", "egress: { allow: [{ host: a.com, ports: [443], sources: [10.0.0.1] }] }\n", 1, "source \"10.0.0.1\": missing /prefix-length (expected client CIDRs)"),
        new Case("egress caCert without origination", "egress: { allow: [{ host: a.com, ports: [80], caCert: gw.yaml }] }\n", 1, "caCert is only used with originateTls: true"),
        new Case("egress caCert missing", "egress: { allow: [{ host: a.com, ports: [80], originateTls: true, caCert: nope.pem }] }\n", 1, "caCert: file nope.pem not found"),
        new Case("two routes on one TCP listener", "listeners: [{ name: t, port: 9000, protocol: TCP }]\n" + UPSTREAM
            + "routes:\n  - { name: r1, listeners: [t], backends: [{ upstream: a }] }\n  - { name: r2, listeners: [t], backends: [{ upstream: a }] }\n",
            5, "route \"r2\": listeners: TCP listener \"t\" already forwards to route \"r1\""),
        new Case("a TCP listener's route without backends", "listeners: [{ name: t, port: 9000, protocol: TCP }]\n" + UPSTREAM
            + "routes:\n  - { name: r, listeners: [t], directResponse: { status: 200 } }\n", 4,
            "route \"r\": listeners: TCP listener \"t\" needs a route with backends"),
        new Case("tunnels.maxActive on an HTTP listener", "listeners: [{ name: h, port: 1, tunnels: { idleTimeout: 1s, maxActive: 5 } }]\n", 1, "\"tunnels.maxActive\" is only for protocols EGRESS, TLS_PASSTHROUGH and TCP (limits.maxConnections bounds the WebSocket connections of HTTP)"),
        new Case("egressPort on an EGRESS listener", "listeners: [{ name: e, port: 1, protocol: EGRESS, egressPort: 443 }]\n", 1, "\"egressPort\" is only for protocol TLS_PASSTHROUGH (this one is EGRESS)"),
        new Case("tunnels with a bad idle timeout", "listeners: [{ name: e, port: 1, protocol: EGRESS, tunnels: { idleTimeout: soon } }]\n", 1, "\"soon\" is not a duration"),
        new Case("egress block twice", "egress: { mode: ALLOW_ANY }\n---\negress:\n  mode: REGISTRY_ONLY\n", 3, "\"egress\" is already defined at gw.yaml:1"),
        new Case("key written twice", "routes:\n  - name: r\n    name: s\n    directResponse: { status: 200 }\n", 3, "key \"name\" is written twice in one mapping (first at gw.yaml:2)"),
        new Case("alias without an anchor", "demo: { echoPort: *port }\n", 1, "YAML alias *port refers to no anchor &port"),
        new Case("wrong type: value where a list is expected", "routes: [{ name: r, hosts: a.com, directResponse: { status: 200 } }]\n", 1, "route r.hosts: expected a list, found \"a.com\""),
        new Case("wrong type: list where a value is expected", "upstreams: [{ name: [a], endpoints: [\"h:1\"] }]\n", 1, "upstream.name: expected a value, found a list"),
        new Case("wrong type: mapping where a list is expected", "listeners: { name: h }\n", 1, "config.listeners: expected a list, found a mapping"),
        new Case("wrong type: text where true/false is expected", "routes: [{ name: r, retries: { nonIdempotent: maybe }, directResponse: { status: 200 } }]\n", 1, "nonIdempotent: \"maybe\" (expected true or false)"),
        new Case("uppercase listener name", "listeners: [{ name: Web, port: 80 }]\n", 1, "listener name \"Web\" is not valid (expected lowercase letters"),
        new Case("listener address that is not an IP", "listeners: [{ name: h, port: 80, address: my-host }]\n", 1, "address \"my-host\" is not an IP address"),
        new Case("overlap on the wildcard address", "listeners:\n  - { name: a, port: 8080, address: 127.0.0.1 }\n  - { name: b, port: 8080, address: \"::\" }\n", 3, "listener \"b\": [::]:8080 overlaps listener \"a\" (127.0.0.1:8080 at gw.yaml:2)"),
        new Case("tls on an HTTP listener", "listeners: [{ name: h, port: 80, tls: { certificates: [] } }]\n", 1, "\"tls\" is only for protocols HTTPS, EGRESS and TCP (this one is HTTP)"),
        new Case("HTTPS without certificates", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls: { certificates: [] }\n", 5, "at least one certificate is required"),
        new Case("missing key file", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls:\n      certificates:\n        - cert: tls.crt\n          key: certs/absent.key\n", 8, "key: file certs/absent.key not found"),
        new Case("TLS 1.1 minimum version", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls:\n      certificates: [{ cert: tls.crt, key: tls.key }]\n      minVersion: TLSv1.1\n", 7, "\"TLSv1.1\" is not allowed (expected TLSv1.2 or TLSv1.3; TLS 1.0 and 1.1 are insecure)"),
        new Case("bad client auth mode", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls:\n      certificates: [{ cert: tls.crt, key: tls.key }]\n      clientAuth: OPTIONAL\n", 7, "\"OPTIONAL\" (expected one of: NONE, PERMISSIVE, STRICT)"),
        new Case("missing client CA file", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls:\n      certificates: [{ cert: tls.crt, key: tls.key }]\n      clientAuth: STRICT\n      clientCa: ca.pem\n", 8, "clientCa: file ca.pem not found"),
        new Case("bad certificate host", "listeners:\n  - name: s\n    port: 8443\n    protocol: HTTPS\n    tls:\n      certificates: [{ hosts: [\"a b\"], cert: tls.crt, key: tls.key }]\n", 6, "host \"a b\" is not a host name or *.wildcard"),
        new Case("bad load balancer", "upstreams: [{ name: a, endpoints: [\"h:1\"], loadBalancer: FASTEST }]\n", 1, "(expected one of: ROUND_ROBIN, LEAST_REQUEST, RANDOM, CONSISTENT_HASH)"),
        new Case("empty endpoints", "upstreams: [{ name: a, endpoints: [] }]\n", 1, "\"endpoints\" is empty"),
        new Case("IPv6 endpoint without brackets", "upstreams: [{ name: a, endpoints: [\"::1:80\"] }]\n", 1, "endpoint \"::1:80\" is not valid"),
        new Case("endpoint host that is not a name", "upstreams: [{ name: a, endpoints: [\"a b:80\"] }]\n", 1, "endpoint \"a b:80\" is not valid"),
        new Case("missing upstream CA file", "upstreams: [{ name: a, endpoints: [\"h:1\"], tls: { caCert: ca.pem } }]\n", 1, "caCert: file ca.pem not found"),
        new Case("client certificate without its key", "upstreams: [{ name: a, endpoints: [\"h:1\"], tls: { clientCert: tls.crt } }]\n", 1, "clientCert and clientKey go together"),
        new Case("mesh tls with files", "meshIdentity: { namespace: a, serviceAccount: b }\nupstreams: [{ name: a, endpoints: [\"h:1\"], tls: { mode: MESH, verifyHostname: false } }]\n", 2,
            "upstream a tls.verifyHostname: not with mode: MESH"),
        new Case("mesh clients without an identity", "listeners: [{ name: m, port: 15443, protocol: HTTPS, tls: { certificates: [{ hosts: [], dev: true }], clientAuth: STRICT, meshClients: true } }]\n", 1,
            "listener \"m\": tls.meshClients needs the gateway's workload identity (add a meshIdentity block)"),
        new Case("mesh clients without clientAuth", "meshIdentity: {}\nlisteners: [{ name: m, port: 15443, protocol: HTTPS, tls: { certificates: [{ hosts: [], dev: true }], meshClients: true } }]\n", 2,
            "listener m tls: meshClients needs clientAuth PERMISSIVE or STRICT"),
        new Case("mesh tls without an identity", "upstreams: [{ name: a, endpoints: [\"h:1\"], tls: { mode: MESH } }]\n", 1,
            "upstream \"a\": tls mode MESH needs the gateway's workload identity (add a meshIdentity block)"),
        new Case("mesh subjectAltNames that are not SPIFFE ids", "meshIdentity: {}\nupstreams: [{ name: a, endpoints: [\"h:1\"], tls: { mode: MESH, subjectAltNames: [reviews] } }]\n", 2,
            "upstream a tls.subjectAltNames: \"reviews\" is not a SPIFFE id"),
        new Case("unknown tls mode", "upstreams: [{ name: a, endpoints: [\"h:1\"], tls: { mode: ISTIO } }]\n", 1,
            "upstream a tls.mode: \"ISTIO\" is not a TLS mode"),
        new Case("plaintext to a CA that is not on loopback", "meshIdentity: { caAddress: \"istiod.istio-system.svc:15012\", plaintext: true }\n", 1,
            "meshIdentity.plaintext: only to a CA on loopback"),
        new Case("a CA address without a port", "meshIdentity: { caAddress: istiod }\n", 1,
            "meshIdentity.caAddress: \"istiod\" is not HOST:PORT"),
        new Case("xds address without a port", "xds: [{ address: istiod.istio-system.svc }]\n", 1,
            "xds.address: \"istiod.istio-system.svc\" is not HOST:PORT (e.g. istiod.istio-system.svc:15012)"),
        new Case("xds without an address", "xds:\n  - { nodeId: router~1.2.3.4~gw.ns~ns.svc.cluster.local }\n", 2,
            "xds: \"address\" is required"),
        new Case("xds source twice", "xds:\n  - { address: \"127.0.0.1:15010\" }\n  - { address: \"127.0.0.1:15010\" }\n", 3,
            "xds.address: \"127.0.0.1:15010\" is already a source (first defined at "),
        new Case("xds CA file missing", "xds: [{ address: \"istiod:15012\", caCert: nowhere.pem }]\n", 1,
            "xds.caCert: file nowhere.pem not found"),
        new Case("xds plaintext off loopback", "xds:\n  - address: \"istiod:15010\"\n    plaintext: true\n", 3,
            "xds.plaintext: only to a control plane on loopback"),
        new Case("unknown xds key", "xds: [{ address: \"istiod:15012\", node: x }]\n", 1, "unknown key \"node\""),
        new Case("a lifetime under a second", "meshIdentity: { lifetime: 500ms }\n", 1,
            "meshIdentity.lifetime: 500ms is too short"),
        new Case("a service account that is not a Kubernetes name", "meshIdentity: { serviceAccount: Gate_House }\n", 1,
            "meshIdentity.serviceAccount: \"Gate_House\" is not a Kubernetes name"),
        new Case("unknown meshIdentity key", "meshIdentity: { trust: x }\n", 1, "unknown key \"trust\" in meshIdentity"),
        new Case("tls subjectAltNames with verifyHostname", "upstreams: [{ name: a, endpoints: [\"h:1\"], tls: { subjectAltNames: [api.internal], verifyHostname: true } }]\n", 1,
            "upstream a tls.verifyHostname: not with subjectAltNames"),
        new Case("tls subjectAltNames blank", "upstreams: [{ name: a, endpoints: [\"h:1\"], tls: { subjectAltNames: [\"api internal\"] } }]\n", 1,
            "upstream a tls.subjectAltNames: \"api internal\" is not a certificate name"),
        new Case("unknown upstream tls key", "upstreams: [{ name: a, endpoints: [\"h:1\"], tls: { verify: false } }]\n", 1, "unknown key \"verify\" in upstream a tls (expected one of: caCert, clientCert, clientKey, mode, sni, subjectAltNames, verifyHostname)"),
        new Case("hash key without CONSISTENT_HASH", "upstreams: [{ name: a, endpoints: [\"h:1\"], hashOn: client }]\n", 1, "upstream a.hashOn only applies to loadBalancer: CONSISTENT_HASH (this one is ROUND_ROBIN)"),
        new Case("CONSISTENT_HASH without a hash key", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    loadBalancer: CONSISTENT_HASH\n", 4, "upstream a: loadBalancer CONSISTENT_HASH needs \"hashOn\" (header:NAME, cookie:NAME or client)"),
        new Case("bad hash key", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    loadBalancer: CONSISTENT_HASH\n    hashOn: query:id\n", 5, "upstream a.hashOn: \"query:id\" (expected header:NAME, cookie:NAME or client)"),
        new Case("hash on a bad header name", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    loadBalancer: CONSISTENT_HASH\n    hashOn: \"header:x user\"\n", 5, "upstream a.hashOn: \"header:x user\" (expected"),
        new Case("health check without a path", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    healthCheck: { interval: 5s }\n", 4, "upstream a healthCheck: \"path\" is required"),
        new Case("health check path not absolute", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    healthCheck: { path: healthz }\n", 4, "upstream a healthCheck.path: \"healthz\" (expected an absolute path"),
        new Case("health check zero interval", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    healthCheck:\n      path: /h\n      interval: 0s\n", 6, "upstream a healthCheck.interval: must be longer than 0s"),
        new Case("health check threshold zero", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    healthCheck: { path: /h, healthyThreshold: 0 }\n", 4, "healthCheck.healthyThreshold: \"0\" (expected a whole number 1..100)"),
        new Case("unknown health check key", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    healthCheck: { path: /h, port: 8080 }\n", 4, "unknown key \"port\" in upstream a healthCheck (expected one of: healthyThreshold, interval, path, timeout, unhealthyThreshold)"),
        new Case("outlier detection with zero errors", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    outlierDetection: { consecutiveErrors: 0 }\n", 4, "outlierDetection.consecutiveErrors: \"0\" (expected a whole number 1..1000)"),
        new Case("outlier detection bad ejection time", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    outlierDetection:\n      baseEjectionTime: 30\n", 5, "outlierDetection.baseEjectionTime: \"30\" is not a duration"),
        new Case("outlier detection over 100 percent", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    outlierDetection: { maxEjectionPercent: 150 }\n", 4, "outlierDetection.maxEjectionPercent: \"150\" (expected a whole number 0..100)"),
        new Case("unknown outlier detection key", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    outlierDetection: { interval: 10s }\n", 4, "unknown key \"interval\" in upstream a outlierDetection (expected one of: baseEjectionTime, consecutiveErrors, maxEjectionPercent)"),
        new Case("circuit breaker limit zero", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    circuitBreaker:\n      maxRequests: 0\n", 5, "upstream a circuitBreaker.maxRequests: \"0\" (expected a whole number 1..1000000000)"),
        new Case("circuit breaker limit past 2^32", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    circuitBreaker:\n      maxConnections: 4294967297\n", 5, "upstream a circuitBreaker.maxConnections: \"4294967297\" (expected a whole number 1..1000000000)"),
        new Case("circuit breaker limit past 2^31", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    circuitBreaker: { maxPendingRequests: 2147483648 }\n", 4, "upstream a circuitBreaker.maxPendingRequests: \"2147483648\" (expected a whole number 1..1000000000)"),
        new Case("listener connection limit past 2^32", "listeners: [{ name: a, port: 80, limits: { maxConnections: 4294967296 } }]\n", 1, "listener a limits.maxConnections: \"4294967296\" (expected a whole number 1..10000000)"),
        new Case("listener idle timeout past 2^31 ms", "listeners: [{ name: a, port: 80, limits: { idleTimeout: 600h } }]\n", 1, "listener a limits.idleTimeout: \"600h\" is too long (expected at most 596h)"),
        new Case("route timeout past 100 years", "routes: [{ name: r, timeout: 9999999h, directResponse: { status: 200 } }]\n", 1, "route r.timeout: \"9999999h\" is too long (expected at most 876000h)"),
        new Case("ext authz timeout past 2^31 ms", "extAuthz: [{ name: e, uri: \"http://x\", timeout: 2147484s }]\n", 1, "extAuthz service e.timeout: \"2147484s\" is too long (expected at most 596h)"),
        new Case("circuit breaker limit not a number", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    circuitBreaker: { maxPendingRequests: many }\n", 4, "circuitBreaker.maxPendingRequests: \"many\" (expected a whole number"),
        new Case("unknown circuit breaker key", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    circuitBreaker: { maxRetries: 3 }\n", 4, "unknown key \"maxRetries\" in upstream a circuitBreaker (expected one of: maxConnections, maxPendingRequests, maxRequests)"),
        new Case("retry budget over 100 percent", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    retryBudget: { percent: 101 }\n", 4, "upstream a retryBudget.percent: \"101\" (expected a whole number 0..100)"),
        new Case("retry budget negative minimum", "upstreams:\n  - name: a\n    endpoints: [\"h:1\"]\n    retryBudget: { minRetries: -1 }\n", 4, "retryBudget.minRetries: \"-1\" (expected a whole number 0..10000)"),
        new Case("empty match list", "routes: [{ name: r, match: [], directResponse: { status: 200 } }]\n", 1, "\"match\" is empty (leave it out to take every request)"),
        new Case("empty hosts list", "routes: [{ name: r, hosts: [], directResponse: { status: 200 } }]\n", 1, "\"hosts\" is empty"),
        new Case("wildcard in the middle of a host", "routes: [{ name: r, hosts: [\"*.a.*\"], directResponse: { status: 200 } }]\n", 1, "host \"*.a.*\" is not valid"),
        new Case("host with a space", "routes: [{ name: r, hosts: [\"a b.com\"], directResponse: { status: 200 } }]\n", 1, "host \"a b.com\" is not valid"),
        new Case("weight out of range", UPSTREAM + "routes: [{ name: r, backends: [{ upstream: a, weight: 10001 }] }]\n", 2, "weight: \"10001\" (expected a whole number 0..10000)"),
        new Case("empty backends", "routes: [{ name: r, backends: [] }]\n", 1, "\"backends\" needs at least one { upstream: NAME }"),
        new Case("backend without an upstream", "routes: [{ name: r, backends: [{ weight: 1 }] }]\n", 1, "\"upstream\" is required"),
        new Case("redirect status that is not a redirect", "routes: [{ name: r, redirect: { status: 200 } }]\n", 1, "route r redirect.status: 200 (expected 301, 302, 303, 307 or 308)"),
        new Case("redirect scheme", "routes: [{ name: r, redirect: { scheme: ftp } }]\n", 1, "scheme: \"ftp\" (expected http or https)"),
        new Case("direct response without a status", "routes: [{ name: r, directResponse: { body: hi } }]\n", 1, "\"status\" is required"),
        new Case("direct response status too high", "routes: [{ name: r, directResponse: { status: 600 } }]\n", 1, "(expected a whole number 100..599)"),
        new Case("lookahead is not RE2", "routes:\n  - name: r\n    match: [{ path: { regex: \"/a(?=b)\" } }]\n    directResponse: { status: 200 }\n", 3, "bad regex \"/a(?=b)\": invalid or unsupported Perl syntax (RE2 syntax)"),
        new Case("backreference is not RE2", "routes:\n  - name: r\n    match: [{ headers: { x-a: { regex: \"(a)\\\\1\" } } }]\n    directResponse: { status: 200 }\n", 3, "invalid escape sequence (RE2 syntax)"),
        new Case("bad query regex", "routes:\n  - name: r\n    match: [{ query: { v: { regex: \"a{2,1}\" } } }]\n    directResponse: { status: 200 }\n", 3, "bad regex \"a{2,1}\": invalid repeat count"),
        new Case("header match with two kinds", "routes:\n  - name: r\n    match: [{ headers: { x-a: { exact: a, prefix: b } } }]\n    directResponse: { status: 200 }\n", 3, "expected exactly one of exact, prefix, regex, present (found exact, prefix)"),
        new Case("header match present: false", "routes:\n  - name: r\n    match: [{ headers: { x-a: { present: false } } }]\n    directResponse: { status: 200 }\n", 3, "present must be true"),
        new Case("header match on a bad name", "routes:\n  - name: r\n    match: [{ headers: { \"x a\": { present: true } } }]\n    directResponse: { status: 200 }\n", 3, "\"x a\" is not a header name"),
        new Case("path match as a plain value", "routes:\n  - name: r\n    match: [{ path: /api }]\n    directResponse: { status: 200 }\n", 3, "path: expected a mapping, found \"/api\""),
        new Case("prefix rewrite with an exact match", UPSTREAM + "routes:\n  - name: r\n    match: [{ path: { prefix: /a } }, { path: { exact: /b } }]\n    backends: [{ upstream: a }]\n    rewrite: { prefix: /x }\n", 6, "a prefix rewrite needs every match entry to use a path prefix"),
        new Case("prefix and regex rewrite", UPSTREAM + "routes:\n  - name: r\n    backends: [{ upstream: a }]\n    rewrite: { prefix: /, regex: { pattern: a, substitution: b } }\n", 5, "use prefix or regex, not both"),
        new Case("regex rewrite without a substitution", UPSTREAM + "routes:\n  - name: r\n    backends: [{ upstream: a }]\n    rewrite: { regex: { pattern: a } }\n", 5, "\"substitution\" is required"),
        new Case("header edit with a bad name", "routes:\n  - name: r\n    headers: { response: { remove: [\"x y\"] } }\n    directResponse: { status: 200 }\n", 3, "\"x y\" is not a header name"),
        new Case("unknown header edit side", "routes:\n  - name: r\n    headers: { upstream: { set: { a: b } } }\n    directResponse: { status: 200 }\n", 3, "unknown key \"upstream\" in route r headers (expected one of: request, response)"),
        new Case("bare number as a duration", "routes: [{ name: r, retries: { perTryTimeout: 0 }, directResponse: { status: 200 } }]\n", 1, "perTryTimeout: \"0\" is not a duration"),
        new Case("duration with a space", "routes: [{ name: r, timeout: 5 s, directResponse: { status: 200 } }]\n", 1, "timeout: \"5 s\" is not a duration"),
        new Case("negative timeout", "routes: [{ name: r, timeout: -1s, directResponse: { status: 200 } }]\n", 1, "route r.timeout: \"-1s\" is not a duration (expected e.g. 250ms, 5s, 1m, 1h)"),
        new Case("too many retries", "routes: [{ name: r, retries: { attempts: 11 }, directResponse: { status: 200 } }]\n", 1, "attempts: \"11\" (expected a whole number 0..10)"),
        new Case("retry on a status that is no status", "routes: [{ name: r, retries: { on: [\"600\"] }, directResponse: { status: 200 } }]\n", 1, "\"600\" (expected connect-failure"),
        new Case("admin address that is not an IP", "admin: { address: admin.local }\n", 1, "admin.address \"admin.local\" is not an IP address"),
        new Case("missing admin token file", "admin: { address: 0.0.0.0, tokenFile: token.txt }\n", 1, "tokenFile: file token.txt not found"),
        new Case("unknown admin key", "admin: { port: 9901, host: 127.0.0.1 }\n", 1, "unknown key \"host\" in admin (expected one of: address, port, tls, tokenFile)"),
        new Case("bad demo port", "demo: { echoPort: -1 }\n", 1, "demo.echoPort: \"-1\" (expected a whole number 0..65535)"),
        new Case("document that is a list", "- a\n- b\n", 1, "config: expected a mapping, found a list"));
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
    assertTrue(errors.stream().anyMatch(e -> e.startsWith("a.yaml:1: unknown key \"bogus\" in listener (expected one of: address, ")),
        errors.toString());
    assertTrue(errors.contains("b.yaml:2: upstream \"nowhere\" is not defined (known: none)"), errors.toString());
  }

  @Test
  void aSingleBlockInTwoFilesNamesBothPlaces() {
    LoadResult result = ConfigLoader.load(List.of(
        new ConfigFile("a.yaml", "demo: { echoPort: 9000 }\n", dir),
        new ConfigFile("b.yaml", "listeners: []\ndemo:\n  echoPort: 9001\n", dir)));
    assertEquals(List.of("b.yaml:2: \"demo\" is already defined at a.yaml:1 (write it once across all files)"),
        assertInstanceOf(LoadResult.Rejected.class, result).errors().stream().map(ConfigError::toString).toList());
  }

  @Test
  void anUnreadableFileIsReportedAndTheOthersAreStillChecked() throws IOException {
    Path conf = Files.createDirectory(dir.resolve("unreadable"));
    Files.write(conf.resolve("a.yaml"), new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28, '\n'});
    Files.writeString(conf.resolve("b.yaml"), "routes: [{ name: r }]\n");
    LoadResult result = ConfigLoader.loadDirectory(conf);
    List<String> errors = assertInstanceOf(LoadResult.Rejected.class, result).errors().stream().map(ConfigError::toString).toList();
    assertEquals(List.of(conf.resolve("a.yaml") + ":0: cannot read config file: it is not UTF-8 text",
        conf.resolve("b.yaml") + ":1: route \"r\": expected exactly one of backends, redirect, directResponse (found none)"), errors);
  }

  @Test
  void aSyntaxErrorIsTheOnlyErrorOfItsFile() {
    List<ConfigError> errors = rejected("routes:\n  - name: r\n    name: s\n  - { name: t\n");
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).message().startsWith("YAML syntax error"), errors.toString());
  }

  @Test
  void aliasesCannotFanOutWithoutBound() {
    StringBuilder yaml = new StringBuilder("routes:\n  - &r { name: r, directResponse: { status: 200 } }\n");
    for (int i = 0; i < YamlTree.MAX_COLLECTION_ALIASES + 5; i++) {
      yaml.append("  - *r\n");
    }
    List<ConfigError> errors = rejected(yaml.toString());
    assertTrue(errors.stream().anyMatch(e -> e.toString().equals(
        "gw.yaml:" + (YamlTree.MAX_COLLECTION_ALIASES + 3) + ": more than 50 YAML aliases to lists or mappings in one file")), errors.toString());
  }

  @Test
  void aMissingDirectoryIsOneError() {
    LoadResult result = ConfigLoader.loadDirectory(dir.resolve("absent"));
    List<ConfigError> errors = assertInstanceOf(LoadResult.Rejected.class, result).errors();
    assertEquals(1, errors.size());
    assertEquals(dir.resolve("absent") + ":0: config directory " + dir.resolve("absent") + " does not exist", errors.get(0).toString());
  }

  @Test
  void aRouteBindsOnlyToDefinedListeners() {
    List<ConfigError> errors = rejected("""
        listeners: [{ name: http, port: 0, protocol: HTTP }, { name: https, port: 0, protocol: HTTP }]
        routes:
          - { name: a, listeners: [http, htps], directResponse: { status: 200 } }
          - { name: b, listeners: [], directResponse: { status: 200 } }
        """);
    assertEquals(List.of("gw.yaml:3: route \"a\": listeners: listener \"htps\" is not defined (known: http, https)",
        "gw.yaml:4: route \"b\": \"listeners\" is empty (leave it out to serve on every listener)"),
        errors.stream().map(ConfigError::toString).toList());
  }

  @Test
  void aDirectoryWithoutYamlFilesIsOneError() throws java.io.IOException {
    java.nio.file.Path empty = java.nio.file.Files.createDirectories(dir.resolve("no-yaml"));
    java.nio.file.Files.writeString(empty.resolve("notes.txt"), "not config");
    java.nio.file.Files.writeString(empty.resolve(".swap.yaml"), "routes: []");
    List<ConfigError> errors = assertInstanceOf(LoadResult.Rejected.class, ConfigLoader.loadDirectory(empty)).errors();
    assertEquals(List.of(empty + ":0: config directory " + empty + " has no *.yaml or *.yml files"),
        errors.stream().map(ConfigError::toString).toList());
  }

  private static List<ConfigError> rejected(String yaml) {
    LoadResult result = ConfigLoader.load(List.of(new ConfigFile("gw.yaml", yaml, dir)));
    return assertInstanceOf(LoadResult.Rejected.class, result, () -> "expected errors for:\n" + yaml).errors();
  }
}
