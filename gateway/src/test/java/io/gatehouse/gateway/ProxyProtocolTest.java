package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A listener behind a load balancer that speaks PROXY protocol v1 or v2: the client address it
 * carries is the one in X-Forwarded-For, the access log and rate-limit keys.
 */
class ProxyProtocolTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: http, port: 0, proxyProtocol: true }]
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes:
          - name: limited
            match: [{ path: { prefix: /limited } }]
            backends: [{ upstream: up }]
            rateLimit: { requestsPerSecond: 0.1, burst: 1, key: client }
          - { name: any, backends: [{ upstream: up }] }
        """.formatted(upstream.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  private static String request(byte[] proxyHeader, String path) {
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(proxyHeader);
      out.writeBytes(("GET " + path + " HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      return raw.send(out.toByteArray()).readUntilClosed();
    }
  }

  static byte[] v1(String client) {
    return ("PROXY TCP4 " + client + " 10.0.0.1 56324 8080\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** A binary v2 header: PROXY command, TCP over IPv4, source and destination address and port. */
  static byte[] v2(int[] client, int clientPort) {
    byte[] signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(signature);
    out.write(0x21);  // version 2, PROXY
    out.write(0x11);  // AF_INET, STREAM
    out.write(0);
    out.write(12);    // address block length
    for (int b : client) {
      out.write(b);
    }
    out.writeBytes(new byte[] {10, 0, 0, 1});
    out.write(clientPort >> 8);
    out.write(clientPort & 0xff);
    out.write(8080 >> 8);
    out.write(8080 & 0xff);
    return out.toByteArray();
  }

  @Test
  void v1ClientAddressIsForwardedAndLogged() {
    String answer = request(v1("203.0.113.7"), "/v1");
    assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    assertEquals("203.0.113.7", upstream.lastRequest().header("x-forwarded-for"));
    Await.until("access log line", 5, () -> gateway.accessLog().contains("\"client\":\"203.0.113.7\""));
  }

  @Test
  void v2ClientAddressIsForwardedAndLogged() {
    String answer = request(v2(new int[] {198, 51, 100, 23}, 40000), "/v2");
    assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    assertEquals("198.51.100.23", upstream.lastRequest().header("x-forwarded-for"));
    Await.until("access log line", 5, () -> gateway.accessLog().contains("\"client\":\"198.51.100.23\""));
  }

  @Test
  void rateLimitsKeyOnTheRealClient() {
    assertTrue(request(v1("192.0.2.10"), "/limited").startsWith("HTTP/1.1 200"));
    assertTrue(request(v1("192.0.2.10"), "/limited").startsWith("HTTP/1.1 429"));
    assertTrue(request(v2(new int[] {192, 0, 2, 11}, 1234), "/limited").startsWith("HTTP/1.1 200"),
        "another client behind the same balancer has its own bucket");
  }

  @Test
  void aConnectionWithoutTheHeaderIsRefused() {
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      String answer = raw.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").readUntilClosed();
      assertTrue(!answer.contains(" 200 "), answer);
    }
  }
}
