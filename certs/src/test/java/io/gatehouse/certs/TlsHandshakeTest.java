package io.gatehouse.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.ListenerTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Real handshakes: a Vert.x HttpServer configured by TlsServerOptions, a JDK SSLSocket client. */
class TlsHandshakeTest {
  static Vertx vertx;
  @TempDir Path dir;
  TestPki pki;
  final List<HttpServer> servers = new ArrayList<>();

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1)
        .setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
  }

  @AfterAll
  static void stopVertx() throws Exception {
    await(vertx.close());
  }

  @AfterEach
  void closeServers() throws Exception {
    for (HttpServer server : servers) {
      await(server.close());
    }
  }

  static Stream<TlsEngine> engines() {
    return Stream.of(TlsEngine.detect(false), TlsEngine.jdk());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void servesTheCertificateChosenBySni(TlsEngine engine) throws Exception {
    pki = new TestPki(dir);
    int port = start(TestPki.tls(pki.server("default.test"), pki.server("shop", "shop.example.com"),
        pki.server("wild", "*.example.com")), engine);

    assertEquals("CN=shop", handshake(port, "shop.example.com", null).subject());
    assertEquals("CN=wild", handshake(port, "a.example.com", null).subject());
    assertEquals("CN=default.test", handshake(port, "a.b.example.com", null).subject());
    assertEquals("CN=default.test", handshake(port, "example.com", null).subject());
    assertEquals("CN=default.test", handshake(port, "unknown.test", null).subject());
    assertEquals("CN=default.test", handshake(port, null, null).subject());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void negotiatesTls13AndTls12AndH2(TlsEngine engine) throws Exception {
    pki = new TestPki(dir);
    int port = start(TestPki.tls(pki.server("shop")), engine);

    assertEquals("TLSv1.3", handshake(port, null, null).protocol());
    Handshake tls12 = handshake(port, null, new String[] {"TLSv1.2"});
    assertEquals("TLSv1.2", tls12.protocol());
    assertTrue(tls12.cipher().startsWith("TLS_ECDHE_ECDSA_WITH_") && tls12.cipher().contains("GCM")
        || tls12.cipher().contains("CHACHA20"), tls12.cipher());
    assertEquals("h2", alpn(port, "h2", "http/1.1"));
    assertEquals("http/1.1", alpn(port, "http/1.1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void minVersionTls13RefusesTls12(TlsEngine engine) throws Exception {
    pki = new TestPki(dir);
    ListenerTls tls = new ListenerTls(List.of(pki.server("shop")), ListenerTls.ClientAuth.NONE, "", "TLSv1.3",
        List.of());
    int port = start(tls, engine);

    assertEquals("TLSv1.3", handshake(port, null, null).protocol());
    assertThrows(IOException.class, () -> handshake(port, null, new String[] {"TLSv1.2"}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void strictRequiresAClientCertificateSignedByClientCa(TlsEngine engine) throws Exception {
    pki = new TestPki(dir);
    int port = start(clientAuth(ListenerTls.ClientAuth.STRICT), engine);
    IssuedCert client = pki.factory.client(pki.ca, TestPki.YEAR, "spiffe://cluster.local/ns/default/sa/client");
    TestPki otherCa = new TestPki(dir.resolve("other"));
    IssuedCert stranger = otherCa.factory.client(otherCa.ca, TestPki.YEAR, "spiffe://elsewhere/sa/x");

    assertEquals("CN=client", handshakeWith(port, pki.clientContext(client), null).peer());
    // TLS 1.2: the handshake itself fails. TLS 1.3: the server's alert arrives on the first read.
    assertThrows(IOException.class, () -> handshakeWith(port, pki.clientContext(null), new String[] {"TLSv1.2"}));
    assertThrows(IOException.class, () -> handshakeWith(port, pki.clientContext(null), null));
    assertThrows(IOException.class, () -> handshakeWith(port, pki.clientContext(stranger), null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void permissiveAcceptsClientsWithAndWithoutCertificates(TlsEngine engine) throws Exception {
    pki = new TestPki(dir);
    int port = start(clientAuth(ListenerTls.ClientAuth.PERMISSIVE), engine);
    IssuedCert client = pki.factory.client(pki.ca, TestPki.YEAR, "spiffe://cluster.local/ns/default/sa/client");

    assertEquals("CN=client", handshakeWith(port, pki.clientContext(client), null).peer());
    assertEquals("-", handshakeWith(port, pki.clientContext(null), null).peer());
  }

  @Test
  void boringSslIsDetectedAndServesTheHandshake() throws Exception {
    TlsEngine engine = TlsEngine.detect(false);
    assertTrue(engine.isBoringSsl(), engine.describe());
    assertTrue(engine.describe().startsWith("BoringSSL (netty-tcnative 2.0."), engine.describe());
    pki = new TestPki(dir);
    int port = start(TestPki.tls(pki.server("shop")), engine);

    String serverSession = handshake(port, null, null).serverSession();

    assertTrue(serverSession.contains("OpenSsl"), serverSession);
    int jdkPort = start(TestPki.tls(pki.server("jdk")), TlsEngine.jdk());
    assertFalse(handshake(jdkPort, null, null).serverSession().contains("OpenSsl"));
  }

  @Test
  void updateSslOptionsRotatesTheServedCertificate() throws Exception {
    pki = new TestPki(dir);
    ListenerTls before = TestPki.tls(pki.server("before"));
    ListenerTls after = TestPki.tls(pki.server("after"));
    int port = start(before, TlsEngine.detect(false));
    HttpServer server = servers.get(0);

    boolean unchanged = await(server.updateSSLOptions(
        TlsServerOptions.sslOptions(before, CertStore.load(before))));
    boolean rotated = await(server.updateSSLOptions(TlsServerOptions.sslOptions(after, CertStore.load(after))));

    assertFalse(unchanged, "same files, same version: nothing to update");
    assertTrue(rotated);
    assertEquals("CN=after", handshake(port, null, null).subject());
  }

  private ListenerTls clientAuth(ListenerTls.ClientAuth mode) {
    return new ListenerTls(List.of(pki.server("shop")), mode, pki.caFile().toString(), "TLSv1.2", List.of());
  }

  int start(ListenerTls tls, TlsEngine engine) throws Exception {
    CertStore store = CertStore.load(tls);
    HttpServerOptions options = TlsServerOptions.apply(new HttpServerOptions().setHost("127.0.0.1").setPort(0),
        tls, store, engine);
    HttpServer server = vertx.createHttpServer(options).requestHandler(TlsHandshakeTest::describeSession);
    servers.add(server);
    return await(server.listen()).actualPort();
  }

  /** Answers "session class|peer subject", so the client sees what the server negotiated. */
  private static void describeSession(HttpServerRequest request) {
    String peer;
    try {
      Certificate[] chain = request.connection().sslSession().getPeerCertificates();
      peer = ((X509Certificate) chain[0]).getSubjectX500Principal().getName();
    } catch (SSLPeerUnverifiedException e) {
      peer = "-";
    }
    request.response().end(request.connection().sslSession().getClass().getName() + "|" + peer);
  }

  record Handshake(String subject, String protocol, String cipher, String serverSession, String peer) {}

  Handshake handshake(int port, String sni, String[] protocols) throws Exception {
    return handshake(port, pki.clientContext(null), sni, protocols);
  }

  Handshake handshakeWith(int port, SSLContext context, String[] protocols) throws Exception {
    return handshake(port, context, null, protocols);
  }

  /** Handshakes, sends one HTTP/1.1 request, reads the whole answer. */
  Handshake handshake(int port, SSLContext context, String sni, String[] protocols) throws Exception {
    try (SSLSocket socket = socket(port, context, sni, protocols, null)) {
      socket.startHandshake();
      X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
      socket.getOutputStream().write("GET / HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      String response = readAll(socket.getInputStream());
      if (!response.startsWith("HTTP/1.1 200")) {
        throw new IOException("no response: " + response);
      }
      String[] body = response.substring(response.indexOf("\r\n\r\n") + 4).split("\\|");
      return new Handshake(served.getSubjectX500Principal().getName(), socket.getSession().getProtocol(),
          socket.getSession().getCipherSuite(), body[0], body[1]);
    }
  }

  String alpn(int port, String... protocols) throws Exception {
    try (SSLSocket socket = socket(port, pki.clientContext(null), null, null, protocols)) {
      socket.startHandshake();
      return socket.getApplicationProtocol();
    }
  }

  private static SSLSocket socket(int port, SSLContext context, String sni, String[] protocols, String[] alpn)
      throws IOException {
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout(5_000);
    SSLParameters parameters = socket.getSSLParameters();
    if (sni != null) {
      parameters.setServerNames(List.of(new SNIHostName(sni)));
    }
    if (protocols != null) {
      parameters.setProtocols(protocols);
    }
    if (alpn != null) {
      parameters.setApplicationProtocols(alpn);
    }
    socket.setSSLParameters(parameters);
    return socket;
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toString(StandardCharsets.US_ASCII);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
