package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Domain fronting on HTTPS listeners (DESIGN.md: "a Host that the connection's certificate does not
 * cover gets 421"): RFC 9110 §15.5.20 (421 Misdirected Request), while HTTP/2 connection
 * coalescing across names the same certificate covers stays allowed (RFC 9113 §9.1.1). Real TLS
 * clients with SNI set; the recording upstream shows that a misdirected request reached nothing.
 */
class DomainFrontingTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx, "shop");
    dir = Files.createTempDirectory("fronting-test");
    TestCerts certs = TestCerts.in(dir);
    certs.server("default", "default.test");
    certs.server("shop", "shop.test", "*.shop.test");
    String tls = "{ certificates: [%s, { hosts: [shop.test, \"*.shop.test\"], cert: \"%s/shop.crt\", key: \"%s/shop.key\" }] }"
        .formatted(certs.entry("default"), dir, dir);
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: https, port: 0, protocol: HTTPS, tls: %1$s }
          - { name: https-open, port: 0, protocol: HTTPS, hostMustMatchCertificate: false, tls: %1$s }
        upstreams: [{ name: shop, endpoints: ["%2$s"] }]
        routes:
          - { name: shop, hosts: [shop.test, "*.shop.test", default.test], backends: [{ upstream: shop }] }
        """.formatted(tls, upstream.address()));
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

  /** A client that sends {@code sni} and verifies nothing (a fronting client does not care). */
  private static HttpClient client(boolean h2) {
    HttpClientOptions options = new HttpClientOptions().setSsl(true).setForceSni(true).setTrustAll(true).setVerifyHost(false);
    if (h2) {
      options.setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true);
    }
    return vertx.createHttpClient(options, new PoolOptions().setHttp2MaxSize(1).setHttp1MaxSize(1));
  }

  private record Answer(int status, String reason, String body, HttpConnection connection, HttpVersion version) {}

  private static Future<Answer> send(HttpClient client, String listener, String sni, String host) {
    int port = port(listener);
    return client.request(new RequestOptions().setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1"))
            .setHost(sni).setPort(port).setURI("/fronted"))
        .compose(req -> {
          req.authority(HostAndPort.create(host, port));
          return req.send().compose(resp -> resp.body().map(body ->
              new Answer(resp.statusCode(), resp.getHeader("x-gatehouse-reason"), body.toString(), req.connection(),
              resp.version())));
        });
  }

  private static Answer get(String listener, String sni, String host) {
    HttpClient client = client(false);
    try {
      return Await.result(send(client, listener, sni, host));
    } finally {
      client.close();
    }
  }

  @Test
  void aHostTheServedCertificateDoesNotCoverGets421() {
    int before = upstream.requests().size();
    Answer fronted = get("https", "fronted.invalid", "shop.test"); // served the default certificate
    assertEquals(421, fronted.status(), fronted.body());
    assertEquals("misdirected_request", fronted.reason());
    assertTrue(fronted.body().contains("\"reason\":\"misdirected_request\""), fronted.body());
    assertEquals(421, get("https", "shop.test", "default.test").status(), "the listener has a certificate for it, but not on this connection");
    assertEquals(before, upstream.requests().size(), "a misdirected request reaches no upstream");
  }

  @Test
  void hostsTheCertificateCoversAreServedInAnyCaseAndWithAPort() {
    assertEquals(200, get("https", "shop.test", "shop.test").status());
    assertEquals(200, get("https", "shop.test", "API.Shop.Test").status(), "one-label wildcard SAN, any case");
    assertEquals(421, get("https", "shop.test", "a.b.shop.test").status(), "a wildcard covers exactly one label (RFC 6125 §6.4.3)");
    assertEquals(200, get("https", "fronted.invalid", "default.test").status(), "no SNI match: the default certificate, which covers it");
  }

  /** RFC 9113 §9.1.1: a connection may be reused for any host its certificate is authoritative for. */
  @Test
  void http2CoalescingAcrossNamesOfOneCertificateIsAllowed() {
    HttpClient client = client(true);
    try {
      Answer first = Await.result(send(client, "https", "shop.test", "shop.test"));
      Answer coalesced = Await.result(send(client, "https", "shop.test", "api.shop.test"));
      Answer other = Await.result(send(client, "https", "shop.test", "default.test"));
      assertEquals(200, first.status());
      assertEquals(HttpVersion.HTTP_2, first.version());
      assertEquals(200, coalesced.status(), coalesced.body());
      assertSame(first.connection(), coalesced.connection(), "one h2 connection");
      assertSame(first.connection(), other.connection());
      assertEquals(421, other.status(), "the shop certificate does not cover default.test");
    } finally {
      client.close();
    }
  }

  @Test
  void theListenerOptionTurnsTheCheckOff() {
    assertEquals(200, get("https-open", "fronted.invalid", "shop.test").status());
  }

  /** The attack as seen from curl: SNI fronted.invalid, then Host: shop.test. */
  @Test
  void curlWithAMismatchedServerNameGets421() {
    int port = port("https");
    Curl.Result fronted = Curl.run("-k", "--connect-to", "fronted.invalid:" + port + ":127.0.0.1:" + port,
        "-H", "Host: shop.test", "https://fronted.invalid:" + port + "/curl");
    assertEquals(421, fronted.status(), fronted.stderr());
    Curl.Result direct = Curl.run("--cacert", dir.resolve("ca.crt").toString(), "--resolve",
        "api.shop.test:" + port + ":127.0.0.1", "https://api.shop.test:" + port + "/curl");
    assertEquals(200, direct.status(), direct.stderr());
  }
}
