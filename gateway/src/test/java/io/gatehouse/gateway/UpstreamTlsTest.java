package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TLS originated to upstreams: verified against the configured CA, with SNI, failing closed. */
class UpstreamTlsTest {
  static Vertx vertx;
  static SelfSignedCertificate upstreamCert;
  static SelfSignedCertificate otherCert;
  static HttpServer upstream;
  static final AtomicInteger tlsHealthChecks = new AtomicInteger();
  TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstreamCert = SelfSignedCertificate.create("localhost");
    otherCert = SelfSignedCertificate.create("localhost");
    upstream = Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true)
            .setKeyCertOptions(upstreamCert.keyCertOptions()))
        .requestHandler(req -> {
          if (req.path().equals("/healthz") && req.isSSL()) {
            tlsHealthChecks.incrementAndGet();
          }
          req.response().end(new JsonObject()
            .put("sni", req.connection().indicatedServerName())
            .put("tls", req.isSSL())
            .put("host", req.authority().host()).encode());
        })
        .listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    upstreamCert.delete();
    otherCert.delete();
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
        upstreams: [{ name: secure, endpoints: ["127.0.0.1:%d"], tls: %s }]
        routes: [{ name: r, backends: [{ upstream: secure }] }]
        """.formatted(upstream.actualPort(), tls));
    return gateway;
  }

  @Test
  void originatesVerifiedTlsWithSni() {
    TestGateway.TestResponse r = gatewayWith("{ sni: localhost, caCert: \"" + upstreamCert.certificatePath() + "\" }")
        .get("/", java.util.Map.of("Host", "shop.example.com"));
    assertEquals(200, r.status(), r.body());
    JsonObject seen = new JsonObject(r.body());
    assertEquals(true, seen.getBoolean("tls"));
    assertEquals("localhost", seen.getString("sni"));
    assertEquals("shop.example.com", seen.getString("host"), "the client's Host still goes upstream");
  }

  @Test
  void healthChecksUseTheUpstreamsTlsAndFailOnAnUntrustedCertificate() {
    String check = ", healthCheck: { path: /healthz, interval: 100ms, unhealthyThreshold: 1 }";
    gateway = TestGateway.start("""
        upstreams:
          - { name: trusted, endpoints: ["127.0.0.1:%1$d"], tls: { sni: localhost, caCert: "%2$s" }%4$s }
          - { name: untrusted, endpoints: ["127.0.0.1:%1$d"], tls: { sni: localhost, caCert: "%3$s" }%4$s }
        routes: [{ name: r, backends: [{ upstream: trusted }, { upstream: untrusted }] }]
        """.formatted(upstream.actualPort(), upstreamCert.certificatePath(), otherCert.certificatePath(), check));
    int before = tlsHealthChecks.get();
    Await.until("health checks over TLS pass", 10, () -> tlsHealthChecks.get() >= before + 2);
    var live = gateway.gatehouse.dataplane().current().upstreams();
    Await.until("the untrusted endpoint fails its checks", 10, () -> !live.get("untrusted").endpoints().get(0).healthy());
    assertTrue(live.get("trusted").endpoints().get(0).healthy());
  }

  @Test
  void anUntrustedUpstreamCertificateIs503WithReason() {
    TestGateway.TestResponse r = gatewayWith("{ sni: localhost, caCert: \"" + otherCert.certificatePath() + "\" }").get("/");
    assertEquals(503, r.status());
    assertEquals("upstream_tls_failure", r.header("x-gatehouse-reason"));
  }

  @Test
  void aCertificateForAnotherNameFailsHostnameVerification() {
    TestGateway.TestResponse r = gatewayWith("{ sni: shop.internal, caCert: \"" + upstreamCert.certificatePath() + "\" }").get("/");
    assertEquals(503, r.status());
    assertEquals("upstream_tls_failure", r.header("x-gatehouse-reason"));
  }

  @Test
  void hostnameVerificationCanBeTurnedOff() {
    TestGateway.TestResponse r = gatewayWith("{ sni: shop.internal, verifyHostname: false, caCert: \""
        + upstreamCert.certificatePath() + "\" }").get("/");
    assertEquals(200, r.status(), r.body());
    assertTrue(r.body().contains("\"sni\":\"shop.internal\""), r.body());
  }
}
