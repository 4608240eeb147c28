package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Header sanitising at the edge, asserted on what the recording upstream received: client
 * identity headers ({@code X-Forwarded-*}, {@code X-Real-IP}, RFC 7239 {@code Forwarded}) are the
 * gateway's own unless the peer is a trusted proxy; header names with {@code _} are dropped or
 * refused; {@code Upgrade} crosses only for WebSocket (RFC 9110 §7.8, RFC 6455 §4.1).
 */
class EdgeHeadersTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx, "shop");
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: http, port: 0 }
          - { name: behind-lb, port: 0, trustedHops: 1 }
          - { name: behind-cidrs, port: 0, trustedCidrs: [127.0.0.0/8, 10.0.0.0/8] }
          - { name: other-cidrs, port: 0, trustedCidrs: [10.0.0.0/8] }
          - { name: strict, port: 0, headersWithUnderscores: REJECT_REQUEST }
          - { name: lenient, port: 0, headersWithUnderscores: ALLOW }
          - { name: proxied, port: 0, proxyProtocol: true }
        upstreams: [{ name: shop, endpoints: ["%s"] }]
        routes:
          - { name: shop, hosts: [shop.test], backends: [{ upstream: shop }] }
        """.formatted(upstream.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  private static int port(String listener) {
    return gateway.gatehouse.listenerPort(listener);
  }

  private static RawHttp.Response get(String listener, String... headers) {
    try (RawHttp raw = RawHttp.connect(port(listener))) {
      String[] lines = new String[headers.length + 3];
      lines[0] = "GET /who HTTP/1.1";
      lines[1] = "Host: shop.test";
      lines[2] = "Connection: close";
      System.arraycopy(headers, 0, lines, 3, headers.length);
      return raw.send(lines);
    }
  }

  private static final String[] SPOOFED = {
      "X-Forwarded-For: 203.0.113.9", "X-Real-IP: 203.0.113.9", "Forwarded: for=203.0.113.9;proto=https",
      "X-Forwarded-Proto: https", "X-Forwarded-Host: admin.internal"};

  @Test
  void anUntrustedClientsIdentityHeadersAreReplacedByTheGatewaysOwn() {
    RawHttp.Response r = get("http", SPOOFED);
    assertEquals(200, r.status(), r.body());
    EchoUpstream.Received got = upstream.lastRequest();
    String authority = "shop.test";
    assertEquals("127.0.0.1", got.header("x-forwarded-for"));
    assertEquals("127.0.0.1", got.header("x-real-ip"));
    assertEquals("http", got.header("x-forwarded-proto"));
    assertEquals(authority, got.header("x-forwarded-host"));
    assertEquals("for=127.0.0.1;host=shop.test;proto=http", got.header("forwarded")); // RFC 7239 §4
    assertEquals(1, got.headers().getAll("forwarded").size());
  }

  @Test
  void eachRequestOnOneConnectionGetsItsOwnHost() {
    // The gateway reuses the values it made for the previous request while they repeat: not when
    // the authority changes on the same keep-alive connection.
    try (RawHttp raw = RawHttp.connect(port("http"))) {
      for (String host : new String[] {"shop.test", "shop.test:8080", "shop.test:8080", "SHOP.test", "shop.test"}) {
        RawHttp.Response r = raw.send("GET /who HTTP/1.1", "Host: " + host);
        assertEquals(200, r.status(), r.body());
        EchoUpstream.Received got = upstream.lastRequest();
        assertEquals(host, got.header("x-forwarded-host"));
        String quoted = host.contains(":") ? "\"" + host + "\"" : host;
        assertEquals("for=127.0.0.1;host=" + quoted + ";proto=http", got.header("forwarded"));
      }
    }
  }

  /** Istio numTrustedProxies / Envoy xff_num_trusted_hops: the client is the Nth address from the right. */
  @Test
  void aTrustedHopsListsAreKeptAndAppendedTo() {
    get("behind-lb", SPOOFED);
    EchoUpstream.Received got = upstream.lastRequest();
    assertEquals("203.0.113.9, 127.0.0.1", got.header("x-forwarded-for"));
    assertEquals("203.0.113.9", got.header("x-real-ip"));
    assertEquals("https", got.header("x-forwarded-proto"), "the load balancer terminated TLS");
    assertEquals("admin.internal", got.header("x-forwarded-host"));
    assertEquals("for=203.0.113.9;proto=https, for=127.0.0.1;host=shop.test;proto=http", got.header("forwarded"));
  }

  /** Envoy's xff trusted_cidrs: the client is the rightmost address outside the trusted networks. */
  @Test
  void trustedCidrsSkipTheProxiesInsideThem() {
    get("behind-cidrs", "X-Forwarded-For: 198.51.100.7, 203.0.113.9, 10.1.2.3");
    assertEquals("203.0.113.9", upstream.lastRequest().header("x-real-ip"));
    assertEquals("198.51.100.7, 203.0.113.9, 10.1.2.3, 127.0.0.1", upstream.lastRequest().header("x-forwarded-for"));

    get("behind-cidrs", "X-Forwarded-For: evil.example, 10.1.2.3");
    assertEquals("evil.example", upstream.lastRequest().header("x-real-ip"), "a name is never resolved; it is not trusted");

    get("other-cidrs", SPOOFED);
    assertEquals("127.0.0.1", upstream.lastRequest().header("x-forwarded-for"), "127.0.0.1 is not in 10.0.0.0/8");
    assertEquals("127.0.0.1", upstream.lastRequest().header("x-real-ip"));
  }

  /** With the PROXY protocol, the client the load balancer saw is the one the forwarding headers name. */
  @Test
  void theProxyProtocolsClientAddressIsTheForwardedOne() {
    try (RawTcp tcp = RawTcp.connect(port("proxied"))) {
      String response = tcp.send(("PROXY TCP4 192.0.2.44 127.0.0.1 51000 80\r\n"
          + "GET /who HTTP/1.1\r\nHost: shop.test\r\nX-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1)).readUntilClosed();
      assertTrue(response.startsWith("HTTP/1.1 200"), response);
    }
    assertEquals("192.0.2.44", upstream.lastRequest().header("x-forwarded-for"));
    assertEquals("192.0.2.44", upstream.lastRequest().header("x-real-ip"));
  }

  /** Envoy's headers_with_underscores_action; CGI/WSGI merge X_Forwarded_For into X-Forwarded-For. */
  @Test
  void underscoreHeadersAreDroppedByDefaultRefusedOrAllowed() {
    get("http", "X_Forwarded_For: 203.0.113.9", "x_custom: 1", "x-custom: 2");
    EchoUpstream.Received got = upstream.lastRequest();
    assertNull(got.header("x_forwarded_for"));
    assertNull(got.header("x_custom"));
    assertEquals("2", got.header("x-custom"));

    int before = upstream.requests().size();
    RawHttp.Response refused = get("strict", "X_Forwarded_For: 203.0.113.9");
    assertEquals(400, refused.status());
    assertEquals("unexpected_underscore", refused.header("x-gatehouse-reason"));
    assertEquals(before, upstream.requests().size(), "a refused request never reaches the upstream");

    get("lenient", "x_custom: 1");
    assertEquals("1", upstream.lastRequest().header("x_custom"));
  }

  @Test
  void anUpgradeOtherThanWebSocketIsNotForwarded() {
    RawHttp.Response r = get("http", "Upgrade: something-unknown", "Connection: Upgrade");
    assertEquals(200, r.status(), r.body());
    assertNull(upstream.lastRequest().header("upgrade"));
    assertFalse(String.valueOf(upstream.lastRequest().header("connection")).toLowerCase().contains("upgrade"));
  }
}
