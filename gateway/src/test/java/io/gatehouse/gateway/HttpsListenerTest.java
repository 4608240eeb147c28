package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.certs.KeyFormat;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTPS listeners end to end: SNI certificate choice, ALPN h2, client certificates and XFCC. */
class HttpsListenerTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;
  static Path dir;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    dir = Files.createTempDirectory("https-test");
    TestCerts certs = TestCerts.in(dir);
    certs.server("default", "localhost");
    certs.write(certs.factory.server(certs.ca, TestCerts.VALIDITY, "shop.example.com"), "shop", KeyFormat.SEC1);
    certs.server("wild", "*.example.com");
    certs.client("client", "spiffe://cluster.local/ns/shop/sa/web");
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - name: https
            port: 0
            protocol: HTTPS
            tls:
              certificates:
                - { hosts: [localhost], cert: "%1$s/default.crt", key: "%1$s/default.key" }
                - { hosts: [shop.example.com], cert: "%1$s/shop.crt", key: "%1$s/shop.key" }
                - { hosts: ["*.example.com"], cert: "%1$s/wild.crt", key: "%1$s/wild.key" }
              clientAuth: PERMISSIVE
              clientCa: "%1$s/ca.crt"
        upstreams: [{ name: echo, endpoints: ["%2$s"] }]
        routes:
          - name: web-only
            match: [{ path: { prefix: /web-only }, headers: { x-forwarded-client-cert: { regex: ".*URI=spiffe://cluster\\\\.local/ns/shop/sa/web(;.*)?" } } }]
            directResponse: { status: 200, body: "hello web" }
          - { name: all, backends: [{ upstream: echo }] }
        """.formatted(dir, upstream.address()));
    port = gateway.gatehouse.listenerPort("https");
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  private record Seen(int status, HttpVersion version, String certificateSubject, String body) {}

  private static Seen get(String host, String path, boolean h2, boolean clientCert) {
    HttpClientOptions options = new HttpClientOptions().setSsl(true).setForceSni(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve("ca.crt").toString()));
    if (h2) {
      options.setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true);
    }
    if (clientCert) {
      options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(dir.resolve("client.crt").toString())
          .setKeyPath(dir.resolve("client.key").toString()));
    }
    var client = vertx.createHttpClient(options);
    try {
      return Await.result(client.request(new RequestOptions().setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1"))
              .setHost(host).setPort(port).setURI(path))
          .compose(req -> req.send().compose(resp -> resp.body().map(body -> {
            String subject;
            try {
              subject = ((X509Certificate) req.connection().peerCertificates().get(0)).getSubjectX500Principal().getName();
            } catch (Exception e) {
              subject = "none: " + e;
            }
            return new Seen(resp.statusCode(), resp.version(), subject, body.toString());
          }))));
    } finally {
      client.close();
    }
  }

  @Test
  void exactSniGetsItsCertificate() {
    Seen seen = get("shop.example.com", "/", false, false);
    assertEquals(200, seen.status(), seen.body());
    assertTrue(seen.certificateSubject().contains("shop.example.com"), seen.certificateSubject());
    assertEquals("https", upstream.lastRequest().header("x-forwarded-proto"));
  }

  @Test
  void wildcardSniGetsTheWildcardCertificate() {
    Seen seen = get("api.example.com", "/", false, false);
    assertEquals(200, seen.status());
    assertTrue(seen.certificateSubject().contains("*.example.com"), seen.certificateSubject());
  }

  @Test
  void alpnNegotiatesHttp2ThroughTheRouter() {
    Seen seen = get("shop.example.com", "/h2", true, false);
    assertEquals(200, seen.status());
    assertEquals(HttpVersion.HTTP_2, seen.version());
    assertTrue(seen.body().contains("\"uri\":\"/h2\""), seen.body());
    // The exchange ended normally: logged as 200, not as a client that went away (499).
    Await.until("the access log has the h2 request as 200", 5, () -> gateway.accessLog().lines()
        .anyMatch(l -> l.contains("\"path\":\"/h2\"") && l.contains("\"status\":200")));
    assertTrue(gateway.accessLog().lines().noneMatch(l -> l.contains("\"path\":\"/h2\"") && l.contains("\"status\":499")),
        gateway.accessLog());
  }

  @Test
  void aVerifiedClientCertificateIsForwardedAsXfcc() {
    assertEquals(200, get("shop.example.com", "/mtls", false, true).status());
    String xfcc = upstream.lastRequest().header("x-forwarded-client-cert");
    assertTrue(xfcc != null && xfcc.startsWith("Hash="), String.valueOf(xfcc));
    assertTrue(xfcc.contains(";URI=spiffe://cluster.local/ns/shop/sa/web"), xfcc);
  }

  @Test
  void withoutAClientCertificatePermissiveAcceptsAndSendsNoIdentity() {
    assertEquals(200, get("shop.example.com", "/anon", false, false).status());
    assertNull(upstream.lastRequest().header("x-forwarded-client-cert"));
  }

  @Test
  void routesMatchOnTheVerifiedIdentity() {
    assertEquals("hello web", get("shop.example.com", "/web-only", false, true).body());
    assertEquals(200, get("shop.example.com", "/web-only", false, false).status());
    assertEquals("/web-only", upstream.lastRequest().uri(), "without the identity the request falls to the next route");
  }

  @Test
  void aForgedXfccHeaderNeverMatchesTheIdentityRoute() {
    Map<String, String> forged = Map.of("x-forwarded-client-cert", "URI=spiffe://cluster.local/ns/shop/sa/web");
    var client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setForceSni(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve("ca.crt").toString())));
    try {
      String body = Await.result(client.request(new RequestOptions().setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1"))
              .setHost("shop.example.com").setPort(port).setURI("/web-only"))
          .compose(req -> {
            forged.forEach(req::putHeader);
            return req.send().compose(resp -> resp.body());
          })).toString();
      assertTrue(body.contains("\"uri\":\"/web-only\""), body);
      assertNull(upstream.lastRequest().header("x-forwarded-client-cert"));
    } finally {
      client.close();
    }
  }
}
