package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import java.io.FileInputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The EGRESS listener end to end: curl and raw sockets through the gateway to real local HTTP and
 * TLS servers whose test names resolve (through the gateway's hosts-file seam) to loopback, which
 * the config opens explicitly with a CIDR entry for the servers' ports.
 */
class EgressTest {
  static final Map<String, String> HOSTS = Map.ofEntries(
      Map.entry("api.allowed.test", "127.0.0.1"), Map.entry("a.wild.test", "127.0.0.1"),
      Map.entry("deep.a.wild.test", "127.0.0.1"), Map.entry("wild.test", "127.0.0.1"),
      Map.entry("evilwild.test", "127.0.0.1"), Map.entry("evil.test", "127.0.0.1"),
      Map.entry("internal.test", "10.0.0.1"), Map.entry("secure.test", "127.0.0.1"),
      Map.entry("origin.test", "127.0.0.1"), Map.entry("restricted.test", "127.0.0.1"),
      Map.entry("multi.allowed.test", "127.0.0.2,127.0.0.1"));

  static Vertx vertx;
  static EchoUpstream echo;
  static SelfSignedCertificate secureCert;
  static SelfSignedCertificate originCert;
  static HttpServer secure;
  static HttpServer origin;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    echo = EchoUpstream.start(vertx);
    secureCert = SelfSignedCertificate.create("secure.test");
    originCert = SelfSignedCertificate.create("origin.test");
    secure = tlsServer(secureCert);
    origin = tlsServer(originCert);
    gateway = TestGateway.startRaw(config("", ""), HOSTS);
  }

  static HttpServer tlsServer(SelfSignedCertificate cert) {
    return Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true)
            .setKeyCertOptions(cert.keyCertOptions()))
        .requestHandler(req -> req.response().end(new JsonObject()
            .put("sni", req.connection().indicatedServerName())
            .put("tls", req.isSSL())
            .put("uri", req.uri())
            .put("host", req.authority().toString()).encode()))
        .listen(0, "127.0.0.1"));
  }

  /** The test config: one EGRESS listener; {@code tunnels} and {@code extra} entries are spliced in. */
  static String config(String tunnels, String extra) {
    int e = echo.port();
    int s = secure.actualPort();
    int o = origin.actualPort();
    return """
        admin: { port: 0 }
        listeners:
          - { name: egress, port: 0, protocol: EGRESS %s }
        egress:
          verifySniPorts: [%d]
          allow:
            %s
            - { host: api.allowed.test, ports: [%d] }
            - { host: multi.allowed.test, ports: [%d] }
            - { host: "*.wild.test", ports: [%d] }
            - { host: internal.test, ports: [%d] }
            - { name: restricted, host: restricted.test, ports: [%d], sources: [10.0.0.0/8] }
            - { host: secure.test, ports: [%d] }
            - { name: origin, host: origin.test, ports: [%d], originateTls: true, caCert: "%s" }
            - { name: loopback-lab, cidr: 127.0.0.0/8, ports: [%d, %d, %d] }
        """.formatted(tunnels, s, extra, e, e, e, e, e, s, o, originCert.certificatePath(), e, s, o);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    secureCert.delete();
    originCert.delete();
    vertx.close();
  }

  static String proxy(TestGateway g) {
    return "http://127.0.0.1:" + g.gatehouse.listenerPort("egress");
  }

  static Curl.Result curlVia(TestGateway g, String url, String... more) {
    String[] args = new String[more.length + 3];
    args[0] = "-x";
    args[1] = proxy(g);
    System.arraycopy(more, 0, args, 2, more.length);
    args[args.length - 1] = url;
    return Curl.run(args);
  }

  static void assertDenied(Curl.Result r, int status, String reason) {
    assertEquals(status, r.status(), r.body() + r.stderr());
    assertEquals(reason, r.header("x-gatehouse-reason"));
    JsonObject body = new JsonObject(r.body());
    assertEquals(reason, body.getString("reason"));
    assertTrue(body.containsKey("requestId") && body.containsKey("error"), r.body());
  }

  @Test
  void anAllowedHostAndPortPassInAbsoluteForm() {
    Curl.Result r = curlVia(gateway, "http://api.allowed.test:" + echo.port() + "/hello?x=1");
    assertEquals(200, r.status(), r.stderr());
    EchoUpstream.Received seen = echo.lastRequest();
    assertEquals("/hello?x=1", seen.uri(), "origin-form goes upstream");
    assertEquals("api.allowed.test:" + echo.port(), seen.headers().get("host"));
    Await.until("logged", 5, () -> gateway.accessLog().contains("\"route\":\"api.allowed.test\""));
  }

  @Test
  void aRefusingAddressIsSkippedForTheNextCheckedOne() {
    // multi.allowed.test is 127.0.0.2 (nothing listens there) and 127.0.0.1.
    assertEquals(200, curlVia(gateway, "http://multi.allowed.test:" + echo.port() + "/multi").status());
    try (RawHttp raw = RawHttp.connect(gateway.gatehouse.listenerPort("egress"))) {
      assertEquals(200, raw.send("CONNECT multi.allowed.test:" + echo.port() + " HTTP/1.1", "Host: x").status());
      assertEquals(200, raw.send("GET /multi HTTP/1.1", "Host: multi.allowed.test").status());
    }
  }

  @Test
  void aDeniedHostIs403WithTheReasonAndNeverReachesTheUpstream() {
    int before = echo.requests().size();
    Curl.Result r = curlVia(gateway, "http://evil.test:" + echo.port() + "/");
    assertDenied(r, 403, "egress_host_not_allowed");
    assertEquals(before, echo.requests().size());
    String metrics = gateway.admin("/metrics").body();
    assertTrue(metrics.contains("gatehouse_egress_requests_total{decision=\"deny\",destination=\"unlisted\",reason=\"egress_host_not_allowed\"}"), metrics);
  }

  @Test
  void aDeniedPortNamesTheEntry() {
    Curl.Result r = curlVia(gateway, "http://api.allowed.test:" + secure.actualPort() + "/");
    assertDenied(r, 403, "egress_port_not_allowed");
    assertEquals("api.allowed.test", r.header("x-gatehouse-egress-rule"));
  }

  @Test
  void wildcardsTakeSubdomainsOnly() {
    assertEquals(200, curlVia(gateway, "http://a.wild.test:" + echo.port() + "/").status());
    assertEquals(200, curlVia(gateway, "http://deep.a.wild.test:" + echo.port() + "/").status());
    assertDenied(curlVia(gateway, "http://wild.test:" + echo.port() + "/"), 403, "egress_host_not_allowed");
    assertDenied(curlVia(gateway, "http://evilwild.test:" + echo.port() + "/"), 403, "egress_host_not_allowed");
  }

  @Test
  void uppercaseAndTrailingDotNamesAreTheSameHost() {
    try (RawHttp raw = RawHttp.connect(gateway.gatehouse.listenerPort("egress"))) {
      RawHttp.Response r = raw.send("GET http://API.Allowed.TEST.:" + echo.port() + "/up HTTP/1.1", "Host: x");
      assertEquals(200, r.status(), r.body());
    }
    try (RawHttp raw = RawHttp.connect(gateway.gatehouse.listenerPort("egress"))) {
      RawHttp.Response r = raw.send("GET http://api.allowed%2etest:" + echo.port() + "/up HTTP/1.1", "Host: x");
      assertEquals(200, r.status(), "percent-encoding is decoded before matching");
    }
  }

  @Test
  void userinfoCannotSmuggleADestination() {
    try (RawHttp raw = RawHttp.connect(gateway.gatehouse.listenerPort("egress"))) {
      RawHttp.Response r = raw.send("GET http://api.allowed.test:" + echo.port() + "@evil.test:" + echo.port() + "/ HTTP/1.1", "Host: x");
      assertEquals(400, r.status());
      assertEquals("egress_invalid_host", r.header("x-gatehouse-reason"));
    }
    // curl itself strips userinfo and asks for the real host, which is denied.
    assertDenied(curlVia(gateway, "http://api.allowed.test@evil.test:" + echo.port() + "/"), 403, "egress_host_not_allowed");
  }

  @Test
  void ipLiteralsInAnySpellingAreCheckedAsTheAddressTheyDenote() {
    int port = gateway.gatehouse.listenerPort("egress");
    for (String host : List.of("2130706433", "0177.0.0.1", "0x7f.1", "[::ffff:127.0.0.1]")) {
      try (RawHttp raw = RawHttp.connect(port)) {
        assertEquals(200, raw.send("GET http://" + host + ":" + echo.port() + "/ HTTP/1.1", "Host: x").status(),
            host + " is 127.0.0.1, which the loopback-lab entry opens on the echo port");
      }
      try (RawHttp raw = RawHttp.connect(port)) {
        RawHttp.Response r = raw.send("GET http://" + host + ":9/ HTTP/1.1", "Host: x");
        assertEquals(403, r.status(), host);
        assertEquals("egress_port_not_allowed", r.header("x-gatehouse-reason"));
        assertEquals("loopback-lab", r.header("x-gatehouse-egress-rule"));
      }
    }
    try (RawHttp raw = RawHttp.connect(port)) {
      RawHttp.Response r = raw.send("GET http://1.2.3.999/ HTTP/1.1", "Host: x");
      assertEquals(400, r.status());
      assertEquals("egress_invalid_host", r.header("x-gatehouse-reason"));
    }
  }

  @Test
  void aNameThatResolvesToADeniedAddressIsRefused() {
    Curl.Result r = curlVia(gateway, "http://internal.test:" + echo.port() + "/");
    assertDenied(r, 403, "egress_address_denied");
    assertEquals("10.0.0.0/8", r.header("x-gatehouse-egress-rule"));
  }

  @Test
  void anEntryRestrictedToOtherSourcesDeniesThisClient() {
    Curl.Result r = curlVia(gateway, "http://restricted.test:" + echo.port() + "/");
    assertDenied(r, 403, "egress_source_not_allowed");
    assertEquals("restricted", r.header("x-gatehouse-egress-rule"));
  }

  @Test
  void originFormRequestsAreRoutedByTheirHostHeader() {
    Curl.Result ok = Curl.run("-H", "Host: api.allowed.test:" + echo.port(), proxy(gateway) + "/redirected");
    assertEquals(200, ok.status(), ok.stderr());
    assertEquals("/redirected", echo.lastRequest().uri());
    Curl.Result denied = Curl.run("-H", "Host: evil.test:" + echo.port(), proxy(gateway) + "/redirected");
    assertDenied(denied, 403, "egress_host_not_allowed");
  }

  @Test
  void connectTunnelsTlsToAnAllowedHostWithMatchingSni() {
    Curl.Result r = curlVia(gateway, "https://secure.test:" + secure.actualPort() + "/tunnelled",
        "--cacert", secureCert.certificatePath(), "--resolve", "secure.test:" + secure.actualPort() + ":127.0.0.1");
    assertEquals(200, r.connectStatus(), r.stderr());
    assertEquals(200, r.status(), r.stderr());
    JsonObject seen = new JsonObject(r.body());
    assertEquals("secure.test", seen.getString("sni"));
    Await.until("tunnel logged", 5, () -> gateway.accessLog().contains("\"method\":\"CONNECT\",\"path\":\"\""));
    Await.until("bytes counted", 5, () -> gateway.admin("/metrics").body().contains("gatehouse_tunnel_bytes_total{direction=\"upstream\",listener=\"egress\"}"));
    Map<String, String> tunnel = Map.of("destination_service", "secure.test", "request_protocol", "tcp", "reporter", "source");
    Await.until("Istio's TCP metrics", 5, () -> !PromText.parse(gateway.admin("/metrics").body())
        .find("istio_tcp_connections_closed_total", tunnel).isEmpty());
    PromText metrics = PromText.parse(gateway.admin("/metrics").body());
    assertTrue(metrics.one("istio_tcp_connections_opened_total", tunnel).value() >= 1);
    assertTrue(metrics.one("istio_tcp_connections_closed_total", tunnel).value() >= 1);
    assertTrue(metrics.one("istio_tcp_received_bytes_total", tunnel).value() > 0, "the ClientHello and request");
    assertTrue(metrics.one("istio_tcp_sent_bytes_total", tunnel).value() > 0, "the TLS answer");
  }

  @Test
  void aDeniedConnectIs403BeforeAnyTunnelOpens() {
    try (RawHttp raw = RawHttp.connect(gateway.gatehouse.listenerPort("egress"))) {
      RawHttp.Response r = raw.send("CONNECT evil.test:" + secure.actualPort() + " HTTP/1.1", "Host: evil.test:" + secure.actualPort());
      assertEquals(403, r.status());
      assertEquals("egress_host_not_allowed", r.header("x-gatehouse-reason"));
      assertEquals("egress_host_not_allowed", new JsonObject(r.body()).getString("reason"));
    }
  }

  @Test
  void aConnectWhoseSniNamesAnotherHostIsClosed() throws Exception {
    try (RawHttp raw = RawHttp.connect(gateway.gatehouse.listenerPort("egress"))) {
      RawHttp.Response r = raw.send("CONNECT secure.test:" + secure.actualPort() + " HTTP/1.1", "Host: secure.test");
      assertEquals(200, r.status());
      SSLContext tls = trusting(secureCert);
      SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(raw.socket, "evil.test", secure.actualPort(), false);
      SSLParameters params = socket.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName("evil.test")));
      socket.setSSLParameters(params);
      assertThrows(java.io.IOException.class, socket::startHandshake);
    }
    Await.until("sni mismatch counted", 5, () -> gateway.admin("/metrics").body()
        .contains("gatehouse_egress_requests_total{decision=\"deny\",destination=\"secure.test\",reason=\"egress_sni_mismatch\"}"));
    Await.until("sni mismatch logged", 5, () -> gateway.accessLog().contains("egress_sni_mismatch: SNI evil.test is not secure.test"));
  }

  @Test
  void originatesVerifiedTlsForPlainHttpClients() {
    Curl.Result r = curlVia(gateway, "http://origin.test:" + origin.actualPort() + "/plain");
    assertEquals(200, r.status(), r.body() + r.stderr());
    JsonObject seen = new JsonObject(r.body());
    assertEquals(true, seen.getBoolean("tls"));
    assertEquals("origin.test", seen.getString("sni"));
    assertEquals("/plain", seen.getString("uri"));
  }

  @Test
  void originationToAServerWithAnotherNamesCertificateFails() {
    // secure.test's certificate is not origin.test's: hostname verification fails closed.
    try (TestGateway g = TestGateway.startRaw(config("", "- { host: wrongcert.test, ports: [%d], originateTls: true, caCert: \"%s\" }"
        .formatted(secure.actualPort(), secureCert.certificatePath())), Map.of("wrongcert.test", "127.0.0.1"))) {
      Curl.Result r = curlVia(g, "http://wrongcert.test:" + secure.actualPort() + "/");
      assertDenied(r, 503, "upstream_tls_failure");
    }
  }

  @Test
  void aRotatedCaBundleReachesTlsOriginationWithoutARestart() throws Exception {
    SelfSignedCertificate rotatingCert = SelfSignedCertificate.create("rotating.test");
    HttpServer rotating = tlsServer(rotatingCert);
    java.nio.file.Path ca = java.nio.file.Files.createTempDirectory("egress-ca").resolve("ca.pem");
    java.nio.file.Files.copy(java.nio.file.Path.of(secureCert.certificatePath()), ca); // trusts another server
    int port = rotating.actualPort();
    String extra = "- { host: rotating.test, ports: [%d], originateTls: true, caCert: \"%s\" }\n    - { cidr: 127.0.0.1/32, ports: [%d] }"
        .formatted(port, ca, port);
    try (TestGateway g = TestGateway.startRaw(config("", extra), Map.of("rotating.test", "127.0.0.1"))) {
      assertDenied(curlVia(g, "http://rotating.test:" + port + "/"), 503, "upstream_tls_failure");
      java.nio.file.Files.copy(java.nio.file.Path.of(rotatingCert.certificatePath()), ca,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING); // the rotated bundle
      Await.until("TLS origination trusts the rotated CA bundle", 10,
          () -> curlVia(g, "http://rotating.test:" + port + "/").status() == 200);
    } finally {
      rotating.close();
      rotatingCert.delete();
    }
  }

  @Test
  void tunnelsCloseWhenIdle() {
    try (TestGateway g = TestGateway.startRaw(config(", tunnels: { idleTimeout: 300ms }", ""), HOSTS);
         RawHttp raw = RawHttp.connect(g.gatehouse.listenerPort("egress"))) {
      assertEquals(200, raw.send("CONNECT api.allowed.test:" + echo.port() + " HTTP/1.1", "Host: x").status());
      assertTrue(raw.closedWithin(10), "idle tunnel closed");
      Await.until("logged", 5, () -> g.accessLog().contains("tunnel_idle_timeout"));
    }
  }

  @Test
  void aForwardedRequestToASilentDestinationGets504AfterTheIdleTimeout() {
    echo.on("/silent", request -> { });
    try (TestGateway g = TestGateway.startRaw(config(", tunnels: { idleTimeout: 300ms }", ""), HOSTS)) {
      Curl.Result r = curlVia(g, "http://api.allowed.test:" + echo.port() + "/silent");
      assertDenied(r, 504, "upstream_response_timeout");
    }
  }

  /**
   * The idle timeout bounds each wait for the body too: a destination that sends its head and a
   * first chunk, then nothing, has the client's response cut off (no last chunk) after it.
   */
  @Test
  void aForwardedResponseWhoseBodyGoesSilentIsCutOffAfterTheIdleTimeout() throws Exception {
    echo.on("/stalled-body", request -> request.response().setChunked(true).write("first")); // then nothing, ever
    try (TestGateway g = TestGateway.startRaw(config(", tunnels: { idleTimeout: 300ms }", ""), HOSTS);
         RawHttp raw = RawHttp.connect(g.gatehouse.listenerPort("egress"))) {
      String target = "api.allowed.test:" + echo.port();
      long start = System.nanoTime();
      raw.socket.getOutputStream().write(("GET http://" + target + "/stalled-body HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      raw.socket.setSoTimeout(15_000);
      String got = new String(raw.socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(got.startsWith("HTTP/1.1 200") && got.contains("first"), got);
      assertFalse(got.endsWith("0\r\n\r\n"), "the body must not look complete: " + got);
      assertTrue(millis >= 250 && millis < 10_000, "cut off after " + millis + " ms");
      Await.until("logged", 5, () -> g.accessLog().contains("/stalled-body"));
    }
  }

  @Test
  void tunnelsCloseAtTheirMaximumDurationEvenWhenBusy() throws Exception {
    try (TestGateway g = TestGateway.startRaw(config(", tunnels: { maxDuration: 1s }", ""), HOSTS);
         RawHttp raw = RawHttp.connect(g.gatehouse.listenerPort("egress"))) {
      assertEquals(200, raw.send("CONNECT api.allowed.test:" + echo.port() + " HTTP/1.1", "Host: x").status());
      long deadline = System.nanoTime() + 15_000_000_000L;
      boolean closed = false;
      // Keep the tunnel busy with requests until the gateway ends it.
      while (!closed && System.nanoTime() < deadline) {
        try {
          RawHttp.Response r = raw.send("GET /busy HTTP/1.1", "Host: api.allowed.test");
          assertEquals(200, r.status());
        } catch (java.io.UncheckedIOException e) {
          closed = true;
        }
      }
      assertTrue(closed, "busy tunnel closed at maxDuration");
      Await.until("logged", 5, () -> g.accessLog().contains("tunnel_max_duration"));
    }
  }

  @Test
  void theTunnelLimitRefusesTheNextConnectWith503() {
    try (TestGateway g = TestGateway.startRaw(config(", tunnels: { maxActive: 1 }", ""), HOSTS);
         RawHttp first = RawHttp.connect(g.gatehouse.listenerPort("egress"));
         RawHttp second = RawHttp.connect(g.gatehouse.listenerPort("egress"))) {
      assertEquals(200, first.send("CONNECT api.allowed.test:" + echo.port() + " HTTP/1.1", "Host: x").status());
      RawHttp.Response r = second.send("CONNECT api.allowed.test:" + echo.port() + " HTTP/1.1", "Host: x");
      assertEquals(503, r.status());
      assertEquals("egress_tunnel_limit", r.header("x-gatehouse-reason"));
      assertTrue(g.admin("/metrics").body().contains("gatehouse_tunnels_active{listener=\"egress\"} 1.0"));
    }
  }

  @Test
  void reloadingTheAllowListKeepsOpenTunnelsAndAppliesToNewRequests() {
    try (TestGateway g = TestGateway.startRaw(config("", ""), HOSTS);
         RawHttp tunnel = RawHttp.connect(g.gatehouse.listenerPort("egress"))) {
      assertEquals(200, tunnel.send("CONNECT api.allowed.test:" + echo.port() + " HTTP/1.1", "Host: x").status());
      long before = g.gatehouse.store().version();
      g.write(config("", "").replace("- { host: api.allowed.test,", "- { host: api.removed.test,"));
      Await.until("reloaded", 10, () -> g.gatehouse.store().version() > before);
      assertEquals(200, tunnel.send("GET /still-open HTTP/1.1", "Host: api.allowed.test").status(), "the open tunnel carries on");
      assertDenied(curlVia(g, "http://api.allowed.test:" + echo.port() + "/"), 403, "egress_host_not_allowed");
      try (RawHttp again = RawHttp.connect(g.gatehouse.listenerPort("egress"))) {
        assertEquals(403, again.send("CONNECT api.allowed.test:" + echo.port() + " HTTP/1.1", "Host: x").status());
      }
    }
  }

  @Test
  void allowAnyStillRefusesMetadataAndLoopbackLiterals() {
    try (TestGateway g = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: egress, port: 0, protocol: EGRESS }]
        egress: { mode: ALLOW_ANY }
        """, Map.of("evil.test", "169.254.169.254"))) {
      int port = g.gatehouse.listenerPort("egress");
      for (String host : List.of("169.254.169.254", "2852039166", "[::ffff:169.254.169.254]", "0x7f.1", "evil.test", "[::1]")) {
        try (RawHttp raw = RawHttp.connect(port)) {
          RawHttp.Response r = raw.send("GET http://" + host + "/latest/meta-data HTTP/1.1", "Host: x");
          assertEquals(403, r.status(), host);
          assertEquals("egress_address_denied", r.header("x-gatehouse-reason"), host);
          assertNotEquals(null, r.header("x-gatehouse-egress-rule"));
        }
      }
    }
  }

  @Test
  void aNameThatDoesNotResolveIs503WithItsReason() {
    try (TestGateway g = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: egress, port: 0, protocol: EGRESS }]
        egress: { mode: ALLOW_ANY }
        """); RawHttp raw = RawHttp.connect(g.gatehouse.listenerPort("egress"))) {
      // .invalid never resolves (RFC 6761); EgressResolverTest checks that nothing is logged for it.
      RawHttp.Response r = raw.send("GET http://nowhere.invalid/ HTTP/1.1", "Host: nowhere.invalid");
      assertEquals(503, r.status());
      assertEquals("egress_dns_failure", r.header("x-gatehouse-reason"));
    }
  }

  @Test
  void jdkHttpClientThroughTheProxy() throws Exception {
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
        .proxy(java.net.ProxySelector.of(new java.net.InetSocketAddress("127.0.0.1", gateway.gatehouse.listenerPort("egress"))))
        .build();
    // The JDK resolves nothing itself when proxying plain HTTP: the name goes to the gateway.
    var r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://api.allowed.test:" + echo.port() + "/jdk")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals("/jdk", echo.lastRequest().uri());
    var denied = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://evil.test:" + echo.port() + "/jdk")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(403, denied.statusCode());
    assertFalse(denied.body().isEmpty());
  }

  @Test
  void egressPassthroughSendsRawTlsToTheSniHostWhenAllowed() {
    int s = secure.actualPort();
    try (TestGateway g = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: egress-tls, port: 0, protocol: TLS_PASSTHROUGH, egressPort: %d }]
        egress:
          allow:
            - { host: secure.test, ports: [%d] }
            - { host: internal.test, ports: [%d] }
            - { name: loopback-lab, cidr: 127.0.0.0/8, ports: [%d] }
        """.formatted(s, s, s, s), HOSTS)) {
      int port = g.gatehouse.listenerPort("egress-tls");
      Curl.Result ok = Curl.run("--cacert", secureCert.certificatePath(), "--resolve", "secure.test:" + port + ":127.0.0.1",
          "https://secure.test:" + port + "/passthrough");
      assertEquals(200, ok.status(), ok.stderr());
      assertEquals("secure.test", new JsonObject(ok.body()).getString("sni"), "TLS went through untouched");
      for (String denied : List.of("evil.test", "internal.test")) {
        Curl.Result r = Curl.run("-k", "--resolve", denied + ":" + port + ":127.0.0.1", "https://" + denied + ":" + port + "/");
        assertEquals(0, r.status(), denied);
      }
      Await.until("denials counted", 5, () -> {
        String m = g.admin("/metrics").body();
        return m.contains("outcome=\"egress_host_not_allowed\"") && m.contains("outcome=\"egress_address_denied\"")
            && m.contains("gatehouse_egress_requests_total{decision=\"allow\",destination=\"secure.test\",reason=\"allowed\"}");
      });
    }
  }

  @Test
  void vertxClientTunnelsHttpsThroughTheProxy() {
    var options = new io.vertx.core.http.HttpClientOptions().setSsl(true).setForceSni(true)
        .setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(secureCert.certificatePath()))
        .setProxyOptions(new io.vertx.core.net.ProxyOptions().setType(io.vertx.core.net.ProxyType.HTTP)
            .setHost("127.0.0.1").setPort(gateway.gatehouse.listenerPort("egress")));
    var client = vertx.createHttpClient(options);
    try {
      String body = Await.result(client.request(io.vertx.core.http.HttpMethod.GET, secure.actualPort(), "secure.test", "/vertx")
          .compose(req -> req.send().compose(resp -> resp.body())).map(Object::toString));
      assertEquals("secure.test", new JsonObject(body).getString("sni"));
      assertEquals("/vertx", new JsonObject(body).getString("uri"));
    } finally {
      client.close();
    }
  }

  static SSLContext trusting(SelfSignedCertificate cert) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (FileInputStream in = new FileInputStream(cert.certificatePath())) {
      store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}
