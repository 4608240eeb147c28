package io.gatehouse.gateway;

import static io.gatehouse.gateway.XdsControlPlane.certificate;
import static io.gatehouse.gateway.XdsControlPlane.edsCluster;
import static io.gatehouse.gateway.XdsControlPlane.endpoints;
import static io.gatehouse.gateway.XdsControlPlane.httpsListener;
import static io.gatehouse.gateway.XdsControlPlane.passthroughListener;
import static io.gatehouse.gateway.XdsControlPlane.prefix;
import static io.gatehouse.gateway.XdsControlPlane.route;
import static io.gatehouse.gateway.XdsControlPlane.routes;
import static io.gatehouse.gateway.XdsControlPlane.snapshot;
import static io.gatehouse.gateway.XdsControlPlane.tlsCluster;
import static io.gatehouse.gateway.XdsControlPlane.to;
import static io.gatehouse.gateway.XdsControlPlane.trustedCa;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.admin.source.Backoff;
import io.gatehouse.admin.source.xds.XdsSource;
import io.gatehouse.certs.IssuedCert;
import io.gatehouse.certs.KeyFormat;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS from xDS against a real control plane: an HTTPS listener whose certificate is an SDS secret
 * (istiod's credentialName), rotated by a new secret; an upstream cluster whose TLS trusts an SDS
 * CA bundle; and a passthrough listener that forwards by SNI to a TLS upstream (tcp_proxy chains).
 * Clients are curl, checking the certificates they are served.
 */
class XdsTlsTest {
  private static final String NODE = "router~127.0.0.1~gatehouse-tls.istio-system~istio-system.svc.cluster.local";

  @Test
  void servesSdsCertificatesUpstreamTlsAndPassthroughBySni(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    TestCerts certs = TestCerts.in(dir);
    IssuedCert first = certs.server("bookinfo-1", "bookinfo.example.com");
    certs.server("details", "details.default.svc.cluster.local");
    SelfSignedCertificate passthroughCert = SelfSignedCertificate.create("secure.example.com");
    try (XdsControlPlane plane = new XdsControlPlane();
         EchoUpstream productpage = EchoUpstream.start(vertx, "productpage")) {
      HttpServer details = Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true)
              .setKeyCertOptions(new PemKeyCertOptions().setCertPath(dir.resolve("details.crt").toString())
                  .setKeyPath(dir.resolve("details.key").toString())))
          .requestHandler(req -> req.response().putHeader("x-upstream", "details").end("details over TLS"))
          .listen(0, "127.0.0.1"));
      HttpServer secure = Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true)
              .setKeyCertOptions(passthroughCert.keyCertOptions()))
          .requestHandler(req -> req.response().end(new JsonObject().put("server", "secure")
              .put("sni", req.connection().indicatedServerName()).encode()))
          .listen(0, "127.0.0.1"));
      String productCluster = "outbound|9080||productpage.default.svc.cluster.local";
      String detailsCluster = "outbound|9443||details.default.svc.cluster.local";
      String secureCluster = "outbound|443||secure.example.com";
      String ca = Files.readString(certs.caCert());
      java.util.function.Function<IssuedCert, io.envoyproxy.controlplane.cache.v3.Snapshot> snapshot = cert -> snapshot(
          cert == first ? "1" : "2",
          List.of(edsCluster(productCluster), tlsCluster(detailsCluster, "details.default.svc.cluster.local", "details-ca"),
              edsCluster(secureCluster)),
          List.of(endpoints(productCluster, productpage.port()), endpoints(detailsCluster, details.actualPort()),
              endpoints(secureCluster, secure.actualPort())),
          List.of(httpsListener("0.0.0.0_8443", "127.0.0.1", 0, "https.443.https.bookinfo-gateway.default",
                  List.of("bookinfo.example.com"), "kubernetes://bookinfo-credential"),
              passthroughListener("0.0.0.0_9443", "127.0.0.1", 0, Map.of("secure.example.com", secureCluster))),
          List.of(routes("https.443.https.bookinfo-gateway.default", List.of("bookinfo.example.com", "bookinfo.example.com:443"),
              List.of(route("details", prefix("/details"), to(detailsCluster)),
                  route("productpage", prefix("/"), to(productCluster))))),
          List.of(certificate("kubernetes://bookinfo-credential", cert.certificatePem(), cert.privateKeyPem(KeyFormat.PKCS8)),
              trustedCa("details-ca", ca)));
      plane.set(snapshot.apply(first));

      TestGateway gateway = TestGateway.startRaw("admin: { port: 0 }\n", 1, o -> o.withAllowEmpty(true));
      try {
        XdsSource source = gateway.gatehouse.addXds(new XdsSource.Settings("127.0.0.1", plane.port(), NODE, Optional.empty(),
            Optional.empty(), Map.of(), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1))));
        Await.until("the HTTPS listener serves", 30, () -> gateway.gatehouse.listenerPort("0.0.0.0_8443") > 0
            && https(gateway, "/productpage", certs.caCert().toString()).status() == 200);
        Curl.Result page = https(gateway, "/productpage", certs.caCert().toString());
        assertEquals("productpage", page.headers().get("x-upstream"), page.toString());
        assertTrue(page.stderr().contains("CN=bookinfo.example.com") || page.stderr().contains("bookinfo.example.com"),
            page.stderr());

        // The upstream cluster's TLS trusts the CA from SDS.
        Curl.Result detailsPage = https(gateway, "/details/1", certs.caCert().toString());
        assertEquals(200, detailsPage.status(), detailsPage.toString());
        assertEquals("details over TLS", detailsPage.body());

        // Passthrough by SNI: the client sees the upstream's own certificate.
        int passthrough = gateway.gatehouse.listenerPort("0.0.0.0_9443");
        Curl.Result through = Curl.run("--cacert", passthroughCert.certificatePath(), "--resolve",
            "secure.example.com:" + passthrough + ":127.0.0.1", "https://secure.example.com:" + passthrough + "/");
        assertEquals(200, through.status(), through.toString());
        assertEquals("secure.example.com", new JsonObject(through.body()).getString("sni"));

        // A rotated SDS secret: new handshakes get the new certificate.
        assertEquals(first.certificate().getSerialNumber(), served(gateway.gatehouse.listenerPort("0.0.0.0_8443"),
            "bookinfo.example.com"));
        IssuedCert second = certs.server("bookinfo-2", "bookinfo.example.com");
        plane.set(snapshot.apply(second));
        Await.until("the rotated certificate is served", 10,
            () -> second.certificate().getSerialNumber().equals(served(gateway.gatehouse.listenerPort("0.0.0.0_8443"),
                "bookinfo.example.com")));
        assertEquals(200, https(gateway, "/productpage", certs.caCert().toString()).status());
        assertTrue(source.updates("sds") >= 2, "SDS answers accepted: " + source.updates("sds"));
        assertEquals(0, source.nacks("sds") + source.nacks("lds") + source.nacks("cds"));
      } finally {
        gateway.close();
      }
    } finally {
      passthroughCert.delete();
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  private static Curl.Result https(TestGateway gateway, String path, String ca) {
    int port = gateway.gatehouse.listenerPort("0.0.0.0_8443");
    return Curl.run("-v", "--cacert", ca, "--resolve", "bookinfo.example.com:" + port + ":127.0.0.1",
        "https://bookinfo.example.com:" + port + path);
  }

  /** The serial number of the certificate the listener on {@code port} serves for {@code sni}. */
  private static java.math.BigInteger served(int port, String sni) {
    try {
      javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
        @Override public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String auth) {}

        @Override public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String auth) {}

        @Override public java.security.cert.X509Certificate[] getAcceptedIssuers() {
          return new java.security.cert.X509Certificate[0];
        }
      }}, null);
      try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
        javax.net.ssl.SSLParameters params = socket.getSSLParameters();
        params.setServerNames(List.of(new javax.net.ssl.SNIHostName(sni)));
        socket.setSSLParameters(params);
        socket.startHandshake();
        return ((java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
      }
    } catch (Exception e) {
      return java.math.BigInteger.ZERO;
    }
  }
}
