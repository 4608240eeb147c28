package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TLS_PASSTHROUGH: routed by the ClientHello's SNI, TLS end to end between curl and the upstream. */
class PassthroughTest {
  static Vertx vertx;
  static SelfSignedCertificate secureCert;
  static SelfSignedCertificate wildCert;
  static HttpServer secure;
  static HttpServer wild;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    secureCert = SelfSignedCertificate.create("secure.test");
    wildCert = SelfSignedCertificate.create("wild.test");
    secure = server("secure", secureCert);
    wild = server("wild", wildCert);
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: tls, port: 0, protocol: TLS_PASSTHROUGH, tunnels: { idleTimeout: 30s } }]
        upstreams:
          - { name: secure, endpoints: ["127.0.0.1:%d"] }
          - { name: wild, endpoints: ["127.0.0.1:%d"] }
        routes:
          - { name: secure, hosts: [secure.test], backends: [{ upstream: secure }] }
          - { name: wild, hosts: ["*.wild.test"], backends: [{ upstream: wild }] }
        """.formatted(secure.actualPort(), wild.actualPort()));
  }

  static HttpServer server(String name, SelfSignedCertificate cert) {
    return Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true).setKeyCertOptions(cert.keyCertOptions()))
        .requestHandler(req -> req.response().end(new JsonObject().put("server", name)
            .put("sni", req.connection().indicatedServerName()).encode()))
        .listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    secureCert.delete();
    wildCert.delete();
    vertx.close();
  }

  static Curl.Result curl(String host, String... tls) {
    int port = gateway.gatehouse.listenerPort("tls");
    String[] args = new String[tls.length + 3];
    System.arraycopy(tls, 0, args, 0, tls.length);
    args[tls.length] = "--resolve";
    args[tls.length + 1] = host + ":" + port + ":127.0.0.1";
    args[tls.length + 2] = "https://" + host + ":" + port + "/";
    return Curl.run(args);
  }

  @Test
  void routesByExactSniAndTheClientVerifiesTheUpstreamsCertificate() {
    Curl.Result r = curl("secure.test", "--cacert", secureCert.certificatePath());
    assertEquals(200, r.status(), r.stderr());
    JsonObject body = new JsonObject(r.body());
    assertEquals("secure", body.getString("server"));
    assertEquals("secure.test", body.getString("sni"));
    Await.until("logged", 5, () -> gateway.accessLog().contains("\"route\":\"secure\""));
  }

  @Test
  void routesByWildcardSni() {
    Curl.Result r = curl("a.wild.test", "-k");
    assertEquals(200, r.status(), r.stderr());
    assertEquals("wild", new JsonObject(r.body()).getString("server"));
  }

  @Test
  void unknownSniIsClosedAndCounted() {
    Curl.Result r = curl("unknown.test", "-k");
    assertNotEquals(0, r.exit());
    assertEquals(0, r.status());
    Await.until("counted", 5, () -> gateway.admin("/metrics").body()
        .contains("gatehouse_passthrough_connections_total{listener=\"tls\",outcome=\"unknown_sni\"}"));
  }

  @Test
  void plainTextIsClosedAndCounted() {
    try (RawHttp raw = RawHttp.connect(gateway.gatehouse.listenerPort("tls"))) {
      raw.socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: secure.test\r\n\r\n".getBytes());
      assertTrue(raw.closedWithin(10));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Await.until("counted", 5, () -> gateway.admin("/metrics").body()
        .contains("gatehouse_passthrough_connections_total{listener=\"tls\",outcome=\"not_tls\"}"));
  }
}
