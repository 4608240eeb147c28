package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.certs.IssuedCert;
import io.gatehouse.certs.KeyFormat;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener that accepts mesh clients: client certificates are verified against the mesh root
 * of the gateway's workload identity; the peer's SPIFFE id reaches the upstream in XFCC (with the
 * gateway's own id as {@code By}) and authorization's {@code principals}.
 */
class MeshClientsTest {
  static final String PRODUCTPAGE = "spiffe://cluster.local/ns/bookinfo/sa/productpage";

  @TempDir Path dir;
  Vertx vertx;
  MeshCa ca;
  TestGateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (ca != null) {
      ca.close();
    }
    if (vertx != null) {
      vertx.close();
    }
  }

  private void start(String clientAuth) throws Exception {
    vertx = Vertx.vertx();
    ca = MeshCa.start(dir, Duration.ofHours(1));
    EchoUpstream echo = EchoUpstream.start(vertx);
    TestCerts certs = TestCerts.in(dir);
    certs.server("gw", "localhost");
    Path token = Files.writeString(dir.resolve("token"), ca.token);
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        meshIdentity: { namespace: istio-system, serviceAccount: gatehouse, caAddress: "%s", caCert: "%s", tokenFile: "%s" }
        listeners:
          - { name: mesh, port: 0, protocol: HTTPS, tls: { certificates: [%s], clientAuth: %s, meshClients: true } }
        upstreams: [{ name: echo, endpoints: ["%s"] }]
        routes: [{ name: r, hosts: ["*"], backends: [{ upstream: echo }] }]
        authorization:
          - name: only-productpage
            action: ALLOW
            rules:
              - { from: [{ source: { principals: ["cluster.local/ns/bookinfo/sa/productpage"] } }], to: [{ operation: { paths: ["/private"] } }] }
              - { to: [{ operation: { paths: ["/public"] } }] }
        """.formatted(ca.address(), ca.rootFile, token, certs.entry("gw"), clientAuth, echo.address()));
    Await.result(gateway.gatehouse.dataplane().identities().serving().orElseThrow().ready());
    this.echo = echo;
    this.certs = certs;
  }

  EchoUpstream echo;
  TestCerts certs;

  /** Held here: Vert.x closes a client that becomes unreachable, even with a request in flight. */
  final java.util.List<io.vertx.core.http.HttpClient> clients = new java.util.ArrayList<>();

  private io.vertx.core.http.HttpClient client(IssuedCert cert) {
    HttpClientOptions options = new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false);
    if (cert != null) {
      options.setKeyCertOptions(new PemKeyCertOptions().addCertValue(Buffer.buffer(cert.certificatePem()))
          .addKeyValue(Buffer.buffer(cert.privateKeyPem(KeyFormat.PKCS8))));
    }
    io.vertx.core.http.HttpClient client = vertx.createHttpClient(options);
    clients.add(client);
    return client;
  }

  private io.vertx.core.Future<Integer> get(io.vertx.core.http.HttpClient client, String path) {
    return client.request(HttpMethod.GET, gateway.gatehouse.listenerPort("mesh"), "localhost", path)
        .compose(req -> req.send()).compose(resp -> resp.body().map(b -> resp.statusCode()));
  }

  @Test
  void aMeshClientsSpiffeIdGoesUpstreamInXfccAndAuthorizesItsRequests() throws Exception {
    start("STRICT");
    var client = client(ca.workload(PRODUCTPAGE));
    assertEquals(200, Await.result(get(client, "/private")));
    String xfcc = echo.lastRequest().header("x-forwarded-client-cert");
    assertTrue(xfcc.startsWith("By=spiffe://cluster.local/ns/istio-system/sa/gatehouse;Hash="), xfcc);
    assertTrue(xfcc.contains(";URI=" + PRODUCTPAGE), xfcc);

    var reviews = client(ca.workload("spiffe://cluster.local/ns/bookinfo/sa/reviews"));
    assertEquals(403, Await.result(get(reviews, "/private")), "another principal is denied");
    assertEquals(200, Await.result(get(reviews, "/public")));
  }

  @Test
  void strictRefusesClientsWithoutAMeshCertificate() throws Exception {
    start("STRICT");
    var attempt = get(client(null), "/public");
    Await.until("the handshake to fail", 10, attempt::failed);
    var foreign = client(certs.client("other", PRODUCTPAGE)); // right id, wrong root
    var refused = get(foreign, "/public");
    Await.until("the foreign certificate to be refused", 10, refused::failed);
    assertTrue(!String.valueOf(refused.cause()).contains("Pool closed"), String.valueOf(refused.cause()));
  }

  @Test
  void permissiveAlsoServesTlsClientsWithoutACertificate() throws Exception {
    start("PERMISSIVE");
    assertEquals(200, Await.result(get(client(null), "/public")));
    assertEquals(null, echo.lastRequest().header("x-forwarded-client-cert"));
    assertEquals(403, Await.result(get(client(null), "/private")), "no principal, no access");
    assertEquals(200, Await.result(get(client(ca.workload(PRODUCTPAGE)), "/private")));
  }
}
