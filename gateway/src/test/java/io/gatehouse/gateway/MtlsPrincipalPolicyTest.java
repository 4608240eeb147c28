package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Authorization on the client certificate's identity: {@code principals} and {@code namespaces}
 * match the SPIFFE ID of a verified client certificate (without {@code spiffe://}), and
 * {@code connection.sni} the TLS server name, on a real mTLS connection.
 */
class MtlsPrincipalPolicyTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;
  static Path dir;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    dir = Files.createTempDirectory("mtls-policy");
    TestCerts certs = TestCerts.in(dir);
    certs.server("shop", "shop.example.com", "other.example.com");
    certs.client("web", "spiffe://cluster.local/ns/shop/sa/web");
    certs.client("batch", "spiffe://cluster.local/ns/jobs/sa/batch");
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - name: https
            port: 0
            protocol: HTTPS
            tls:
              certificates: [{ hosts: [shop.example.com, other.example.com], cert: "%1$s/shop.crt", key: "%1$s/shop.key" }]
              clientAuth: PERMISSIVE
              clientCa: "%1$s/ca.crt"
        upstreams: [{ name: echo, endpoints: ["%2$s"] }]
        routes: [{ name: all, backends: [{ upstream: echo }] }]
        authorization:
          - name: web-sa
            rules: [{ from: [{ source: { principals: ["cluster.local/ns/shop/sa/web"] } }], to: [{ operation: { paths: [/web*] } }] }]
          - name: shop-namespace
            rules:
              - from: [{ source: { namespaces: [shop, jobs] } }]
                to: [{ operation: { paths: [/shop*] } }]
                when: [{ key: connection.sni, values: [shop.example.com] }]
        """.formatted(dir, upstream.address()));
    port = gateway.gatehouse.listenerPort("https");
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  private static int status(String sni, String path, String clientCert) {
    HttpClientOptions options = new HttpClientOptions().setSsl(true).setForceSni(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve("ca.crt").toString()));
    if (clientCert != null) {
      options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(dir.resolve(clientCert + ".crt").toString())
          .setKeyPath(dir.resolve(clientCert + ".key").toString()));
    }
    var client = vertx.createHttpClient(options);
    try {
      return Await.result(client.request(new RequestOptions().setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1"))
              .setHost(sni).setPort(port).setURI(path))
          .compose(req -> req.send().compose(resp -> resp.body().map(body -> resp.statusCode()))));
    } finally {
      client.close();
    }
  }

  @Test
  void principalsMatchTheClientCertificatesSpiffeId() {
    assertEquals(200, status("shop.example.com", "/web/a", "web"));
    assertEquals(403, status("shop.example.com", "/web/a", "batch"), "another service account");
    assertEquals(403, status("shop.example.com", "/web/a", null), "no client certificate");
  }

  @Test
  void namespacesAndSniMatchTheConnection() {
    assertEquals(200, status("shop.example.com", "/shop/x", "batch"), "namespace jobs");
    assertEquals(403, status("other.example.com", "/shop/x", "batch"), "another server name");
    assertEquals(403, status("shop.example.com", "/shop/x", null), "no identity, no namespace");
  }
}
