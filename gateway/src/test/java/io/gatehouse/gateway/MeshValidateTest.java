package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse validate} checks Istio and Gateway API YAML offline, like {@code istioctl analyze}. */
class MeshValidateTest {
  @TempDir Path dir;

  @Test
  void reportsTranslationErrorsWithFileLineKindAndField() throws IOException {
    Files.writeString(dir.resolve("istio.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: public, namespace: shop }
        spec:
          selector: { istio: ingressgateway }
          servers:
            - port: { number: 443, protocol: HTTPS }
              hosts: [shop.example.com]
              tls: { mode: SIMPLE, credentialName: shop-cert }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: reviews, namespace: shop }
        spec:
          hosts: [shop.example.com]
          gateways: [public]
          http:
            - route: [{ destination: { host: ratings } }]
              corsPolicy: { allowOrigins: [{ exact: "https://shop.example.com" }] }
        """);
    Run run = validate();
    assertEquals(1, run.code);
    String file = dir.resolve("istio.yaml").toString();
    assertTrue(run.err.contains(file + ":9: Gateway shop/public: spec.servers[0].tls.credentialName: Secret shop/shop-cert"
        + " does not exist"), run.err);
    assertTrue(run.err.contains(file + ":18: VirtualService shop/reviews: spec.http[0].route[0].destination.host:"
        + " \"ratings\" is not a known service"), run.err);
  }

  @Test
  void validConfigPassesAndPrintsWarningsForUnsupportedFields() throws IOException {
    Files.writeString(dir.resolve("mesh.yaml"), """
        apiVersion: v1
        kind: Service
        metadata: { name: ratings, namespace: shop }
        spec: { ports: [{ name: http, port: 9080 }] }
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: gw, namespace: shop }
        spec:
          gatewayClassName: gatehouse
          listeners: [{ name: web, port: 8080, protocol: HTTP }]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: ratings, namespace: shop }
        spec:
          parentRefs: [{ name: gw }]
          hostnames: [shop.example.com]
          rules:
            - backendRefs: [{ name: ratings, port: 9080 }]
              filters: [{ type: ExtensionRef, extensionRef: { group: example.com, kind: Auth, name: auth } }]
        """);
    Run run = validate();
    assertEquals(0, run.code, run.err);
    assertTrue(run.out.contains("valid (1 listeners, 1 upstreams, 1 routes, 0 egress rules)"), run.out);
    assertTrue(run.err.contains(dir.resolve("mesh.yaml") + ":21: warning: HTTPRoute shop/ratings: spec.rules[0].filters[0].type:"
        + " filter ExtensionRef is not supported by this build yet; ignored"), run.err);
  }

  @Test
  void reportsIstioSecurityErrorsAndWarningsWithFileLineKindAndField() throws IOException {
    Files.writeString(dir.resolve("security.yaml"), """
        apiVersion: security.istio.io/v1
        kind: RequestAuthentication
        metadata: { name: jwt, namespace: istio-system }
        spec:
          selector: { matchLabels: { istio: ingressgateway } }
          jwtRules:
            - issuer: https://idp.example.com
              jwksUri: http://idp.example.com/keys
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: ips, namespace: istio-system }
        spec:
          rules:
            - from: [{ source: { ipBlocks: ["10.0.0.0/33"] } }]
        """);
    Run run = validate();
    assertEquals(1, run.code);
    String file = dir.resolve("security.yaml").toString();
    assertTrue(run.err.contains(file + ":8: RequestAuthentication istio-system/jwt: spec.jwtRules[0].jwksUri: "
        + "\"http://idp.example.com/keys\" (expected an https:// URL; http:// only to a loopback host)"), run.err);
    assertTrue(run.err.contains(file + ":15: AuthorizationPolicy istio-system/ips: spec.rules[0].from[0].source.ipBlocks: "
        + "\"10.0.0.0/33\" is not an IP address or CIDR"), run.err);
  }

  @Test
  void unsupportedPolicyFieldsAreWarnedAboutWithWhatHappensInstead() throws IOException {
    Files.writeString(dir.resolve("security.yaml"), """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: allow-sa, namespace: istio-system }
        spec:
          action: ALLOW
          rules:
            - from: [{ source: { serviceAccounts: [shop/checkout] } }]
            - to: [{ operation: { methods: [GET] } }]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: deny-exp, namespace: istio-system }
        spec:
          action: DENY
          rules:
            - to: [{ operation: { paths: [/admin] } }]
              when: [{ key: "experimental.envoy.filters.network.mysql_proxy[db.table]", values: [x] }]
        """);
    Run run = validate("--allow-empty"); // policies alone: no listeners, which run would refuse
    assertEquals(0, run.code, run.err);
    String file = dir.resolve("security.yaml").toString();
    assertTrue(run.err.contains(file + ":7: warning: AuthorizationPolicy istio-system/allow-sa: "
        + "spec.rules[0].from[0].source.serviceAccounts: not supported by this build; the rule is left out (never matches)"),
        run.err);
    assertTrue(run.err.contains(file + ":17: warning: AuthorizationPolicy istio-system/deny-exp: spec.rules[0].when[0].key: "), run.err);
    assertTrue(run.err.contains("the condition is left out (the rule denies more)"), run.err);
  }

  private record Run(int code, String out, String err) {}

  private Run validate(String... options) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("validate", "--config", dir.toString()),
        java.util.Arrays.stream(options)).toArray(String[]::new);
    int code = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
