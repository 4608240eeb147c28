package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gatehouse.certs.CertFactory;
import io.gatehouse.certs.IssuedCert;
import io.gatehouse.certs.KeyFormat;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An EGRESS listener over TLS: allow-list entries restricted to the identities of client certificates. */
class EgressIdentityTest {
  static Vertx vertx;
  static EchoUpstream echo;
  static Path dir;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    echo = EchoUpstream.start(vertx);
    dir = Files.createTempDirectory("egress-identity");
    CertFactory certs = CertFactory.ecdsa();
    IssuedCert ca = certs.ca("Mesh CA", Duration.ofDays(30)).write(dir.resolve("ca.crt"), dir.resolve("ca.key"), KeyFormat.PKCS8);
    certs.server(ca, Duration.ofDays(30), "localhost").write(dir.resolve("proxy.crt"), dir.resolve("proxy.key"), KeyFormat.PKCS8);
    certs.client(ca, Duration.ofDays(30), "spiffe://cluster.local/ns/shop/sa/checkout")
        .write(dir.resolve("checkout.crt"), dir.resolve("checkout.key"), KeyFormat.PKCS8);
    certs.client(ca, Duration.ofDays(30), "spiffe://cluster.local/ns/shop/sa/web")
        .write(dir.resolve("web.crt"), dir.resolve("web.key"), KeyFormat.PKCS8);
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - name: egress
            port: 0
            address: 127.0.0.1
            protocol: EGRESS
            tls:
              certificates: [{ hosts: [localhost], cert: "%1$s/proxy.crt", key: "%1$s/proxy.key" }]
              clientAuth: PERMISSIVE
              clientCa: "%1$s/ca.crt"
        egress:
          allow:
            - { name: checkout-only, host: api.allowed.test, ports: [%2$d], identities: ["spiffe://cluster.local/ns/shop/sa/checkout"] }
            - { name: loopback-lab, cidr: 127.0.0.0/8, ports: [%2$d] }
        """.formatted(dir, echo.port()), Map.of("api.allowed.test", "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    vertx.close();
  }

  static Curl.Result curlAs(String identity) {
    String proxy = "https://localhost:" + gateway.gatehouse.listenerPort("egress");
    String url = "http://api.allowed.test:" + echo.port() + "/pay";
    if (identity == null) {
      return Curl.run("--proxy", proxy, "--proxy-cacert", dir.resolve("ca.crt").toString(), url);
    }
    return Curl.run("--proxy", proxy, "--proxy-cacert", dir.resolve("ca.crt").toString(),
        "--proxy-cert", dir.resolve(identity + ".crt").toString(), "--proxy-key", dir.resolve(identity + ".key").toString(), url);
  }

  @Test
  void theEntrysIdentityGetsThrough() {
    Curl.Result r = curlAs("checkout");
    assertEquals(200, r.status(), r.stderr());
    assertEquals("/pay", echo.lastRequest().uri());
  }

  @Test
  void anotherIdentityIsRefused() {
    Curl.Result r = curlAs("web");
    assertEquals(403, r.status(), r.stderr());
    assertEquals("egress_source_not_allowed", r.header("x-gatehouse-reason"));
    assertEquals("checkout-only", r.header("x-gatehouse-egress-rule"));
  }

  @Test
  void noCertificateIsRefused() {
    Curl.Result r = curlAs(null);
    assertEquals(403, r.status(), r.stderr());
    assertEquals("egress_source_not_allowed", r.header("x-gatehouse-reason"));
  }
}
