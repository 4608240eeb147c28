package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream TLS with {@code subjectAltNames}: the upstream's certificate must carry one of the names
 * (its wildcard too), which replaces hostname verification; a certificate from the trusted CA for
 * another name is refused before any request reaches it.
 */
class UpstreamNamesTest {
  @TempDir static Path dir;
  static Vertx vertx;
  static TestCerts certs;
  static TestCerts otherCa;
  static HttpServer upstream;
  static final AtomicInteger served = new AtomicInteger();
  TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    certs = TestCerts.in(dir);
    certs.server("upstream", "*.shop.internal", "api.internal");
    Path other = Files.createDirectories(dir.resolve("other"));
    otherCa = TestCerts.in(other);
    upstream = Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(dir.resolve("upstream.crt").toString())
                .setKeyPath(dir.resolve("upstream.key").toString())))
        .requestHandler(req -> {
          served.incrementAndGet();
          req.response().end("sni=" + req.connection().indicatedServerName());
        })
        .listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  @AfterEach
  void close() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private TestGateway gatewayWith(String tls) {
    gateway = TestGateway.start("""
        upstreams: [{ name: named, endpoints: ["127.0.0.1:%d"], tls: %s }]
        routes: [{ name: r, backends: [{ upstream: named }] }]
        """.formatted(upstream.actualPort(), tls));
    return gateway;
  }

  @Test
  void aListedNameOrTheCertificatesWildcardIsAccepted() {
    // The SNI names no certificate name at all: the listed names are what is checked.
    TestGateway.TestResponse r = gatewayWith("{ sni: lb.example.net, caCert: \"" + certs.caCert()
        + "\", subjectAltNames: [orders.shop.internal] }").get("/");
    assertEquals(200, r.status(), r.body());
    assertEquals("sni=lb.example.net", r.body());
    gateway.close();
    r = gatewayWith("{ caCert: \"" + certs.caCert() + "\", subjectAltNames: [other.internal, API.internal] }").get("/");
    assertEquals(200, r.status(), r.body());
  }

  @Test
  void aTrustedCertificateWithoutAListedNameIs503AndTheUpstreamGetsNothing() {
    int before = served.get();
    TestGateway.TestResponse r = gatewayWith("{ sni: api.internal, caCert: \"" + certs.caCert()
        + "\", subjectAltNames: [billing.internal, a.b.shop.internal, shop.internal] }").get("/");
    assertEquals(503, r.status(), r.body());
    assertEquals("upstream_tls_failure", r.header("x-gatehouse-reason"));
    assertEquals(before, served.get(), "no request reached an upstream with the wrong name");
    Await.until("the access log line", 10, () -> gateway.accessLog().contains("upstream_tls_failure"));
    String log = gateway.accessLog();
    assertTrue(log.contains("certificate names *.shop.internal,api.internal are not one of the expected"), log);
  }

  @Test
  void theNamesDoNotReplaceTheChainCheck() {
    TestGateway.TestResponse r = gatewayWith("{ caCert: \"" + otherCa.caCert()
        + "\", subjectAltNames: [api.internal] }").get("/");
    assertEquals(503, r.status(), r.body());
    assertEquals("upstream_tls_failure", r.header("x-gatehouse-reason"));
  }
}
