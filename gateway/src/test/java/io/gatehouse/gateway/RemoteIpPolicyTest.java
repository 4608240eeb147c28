package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code remoteIpBlocks} and {@code remote.ip} see the client as the listener's trusted hops
 * establish it from {@code X-Forwarded-For} (Istio's gateway with {@code numTrustedProxies}),
 * while {@code ipBlocks} and {@code source.ip} see the direct peer; without trusted hops the header
 * is the client's claim and changes nothing. Natively and from an Istio AuthorizationPolicy, with
 * what the upstream received checked too.
 */
class RemoteIpPolicyTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    gateway = TestGateway.startRaw(nativeConfig());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  private static String listeners() {
    return """
        admin: { port: 0 }
        listeners:
          - { name: http, port: 0 }
          - { name: behind-lb, port: 0, trustedHops: 1 }
        upstreams: [{ name: up, endpoints: ["%s"] }]
        """.formatted(upstream.address());
  }

  private static String nativeConfig() {
    return listeners() + """
        routes:
          - { name: by-remote, match: [{ path: { prefix: /remote } }], backends: [{ upstream: up }] }
          - { name: by-peer, match: [{ path: { prefix: /peer } }], backends: [{ upstream: up }] }
          - { name: when-remote, match: [{ path: { prefix: /when-remote } }], backends: [{ upstream: up }] }
          - { name: when-source, match: [{ path: { prefix: /when-source } }], backends: [{ upstream: up }] }
        authorization:
          - { name: remote-allow, action: ALLOW, routes: [by-remote],
              rules: [{ from: [{ source: { remoteIpBlocks: [203.0.113.0/24] } }] }] }
          - { name: peer-allow, action: ALLOW, routes: [by-peer],
              rules: [{ from: [{ source: { ipBlocks: [203.0.113.0/24] } }] }] }
          - { name: remote-deny, action: DENY, routes: [when-remote],
              rules: [{ when: [{ key: remote.ip, values: [203.0.113.0/24] }] }] }
          - { name: source-deny, action: DENY, routes: [when-source],
              rules: [{ when: [{ key: source.ip, values: [203.0.113.0/24] }] }] }
        """;
  }

  private static void reload(String yaml) {
    long before = gateway.gatehouse.store().version();
    gateway.write(yaml);
    Await.until("config version > " + before, 5, () -> gateway.gatehouse.store().version() > before);
  }

  private static TestGateway.TestResponse get(String listener, String path, String forwardedFor) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gatehouse.listenerPort(listener) + path))
        .timeout(Duration.ofSeconds(20));
    if (forwardedFor != null) {
      b.header("X-Forwarded-For", forwardedFor);
    }
    return gateway.send(b.GET().build());
  }

  private static int received(String path) {
    return (int) upstream.requests().stream().filter(r -> r.uri().equals(path)).count();
  }

  @Test
  void remoteIpBlocksAdmitTheClientThatTheTrustedHopNames() {
    TestGateway.TestResponse response = get("behind-lb", "/remote/a", "203.0.113.7");
    assertEquals(200, response.status(), response.body());
    EchoUpstream.Received got = upstream.lastRequest();
    assertEquals("/remote/a", got.uri());
    assertEquals("203.0.113.7", got.header("x-real-ip"));
    assertEquals("203.0.113.7, 127.0.0.1", got.header("x-forwarded-for"));
  }

  @Test
  void ipBlocksStillSeeTheDirectPeer() {
    TestGateway.TestResponse response = get("behind-lb", "/peer/a", "203.0.113.7");
    assertEquals(403, response.status(), response.body());
    assertEquals("rbac_access_denied", response.header("x-gatehouse-reason"));
    assertEquals(0, received("/peer/a"));
  }

  @Test
  void withoutTrustedHopsAForwardedForClaimIsIgnored() {
    TestGateway.TestResponse spoofed = get("http", "/remote/spoof", "203.0.113.7");
    assertEquals(403, spoofed.status(), spoofed.body());
    assertEquals(0, received("/remote/spoof"));

    assertEquals(200, get("http", "/when-remote/spoof", "203.0.113.7").status());
    EchoUpstream.Received got = upstream.lastRequest();
    assertEquals("/when-remote/spoof", got.uri());
    assertEquals("127.0.0.1", got.header("x-real-ip"));
    assertEquals("127.0.0.1", got.header("x-forwarded-for"));
  }

  @Test
  void remoteIpConditionUsesTheClientAndSourceIpThePeer() {
    assertEquals(403, get("behind-lb", "/when-remote/a", "203.0.113.7").status());
    assertEquals(0, received("/when-remote/a"));
    assertEquals(200, get("behind-lb", "/when-remote/b", "198.51.100.1").status());
    assertEquals("198.51.100.1", upstream.lastRequest().header("x-real-ip"));
    assertEquals(200, get("behind-lb", "/when-source/a", "203.0.113.7").status());
    assertEquals("/when-source/a", upstream.lastRequest().uri());
  }

  @Test
  void theNthAddressFromTheRightIsTheClientAndANameIsNoAddress() {
    // One trusted hop: the load balancer appended the client last; what the client itself wrote is not believed.
    assertEquals(200, get("behind-lb", "/remote/chain", "10.9.9.9, 203.0.113.7").status());
    assertEquals(403, get("behind-lb", "/remote/forged", "203.0.113.7, 10.9.9.9").status());
    assertEquals(403, get("behind-lb", "/remote/name", "example.com").status());
    assertEquals(List.of(), upstream.requests().stream().map(EchoUpstream.Received::uri)
        .filter(u -> u.equals("/remote/forged") || u.equals("/remote/name")).toList());
  }

  @Test
  void istioPolicyWithRemoteIpBlocksBehavesAsIstiosGatewayWithNumTrustedProxies() {
    try {
      istioPolicies();
    } finally {
      reload(nativeConfig());
    }
  }

  private static void istioPolicies() {
    reload(listeners() + """
        routes: [{ name: all, backends: [{ upstream: up }] }]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: ingress-policy, namespace: istio-system }
        spec:
          selector: { matchLabels: { istio: ingressgateway } }
          action: ALLOW
          rules: [{ from: [{ source: { remoteIpBlocks: [203.0.113.0/24] } }] }]
        """);
    assertEquals(200, get("behind-lb", "/istio/a", "203.0.113.7").status());
    assertEquals("203.0.113.7", upstream.lastRequest().header("x-real-ip"));
    assertEquals(403, get("http", "/istio/spoof", "203.0.113.7").status());
    assertEquals(403, get("behind-lb", "/istio/other", "198.51.100.1").status());
    assertEquals(0, received("/istio/spoof") + received("/istio/other"));

    reload(listeners() + """
        routes: [{ name: all, backends: [{ upstream: up }] }]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: ingress-policy, namespace: istio-system }
        spec:
          selector: { matchLabels: { istio: ingressgateway } }
          action: ALLOW
          rules: [{ from: [{ source: { ipBlocks: [203.0.113.0/24] } }] }]
        """);
    assertEquals(403, get("behind-lb", "/istio/peer", "203.0.113.7").status());
    assertEquals(0, received("/istio/peer"));
  }
}
