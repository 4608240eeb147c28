package io.gatehouse.certs;

import static io.gatehouse.certs.TlsHandshakeTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gatehouse.routes.ListenerTls;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.OpenSSLEngineOptions;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS 1.0/1.1 are refused. The JDK client disables them itself, so the client here is BoringSSL,
 * and a control server that allows TLS 1.1 proves that client really speaks it (on BoringSSL: a
 * JDK server disables TLS 1.1 through java.security whatever it is configured with).
 */
class LegacyTlsTest {
  @TempDir Path dir;
  Vertx vertx;
  /**
   * Held for the whole test: Vert.x 5 closes a client, and its connections, once the client is
   * unreachable, so a client made per connection and dropped could lose the connection mid-test.
   */
  NetClient client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    client = vertx.createNetClient(new NetClientOptions().setSslEngineOptions(new OpenSSLEngineOptions()));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.gatehouse.certs.TlsHandshakeTest#engines")
  void refusesClientsLimitedToTls11(TlsEngine engine) throws Exception {
    TestPki pki = new TestPki(dir);
    ListenerTls tls = TestPki.tls(pki.server("shop"));
    HttpServerOptions options = TlsServerOptions.apply(new HttpServerOptions().setHost("127.0.0.1").setPort(0),
        tls, CertStore.load(tls), engine);
    HttpServerOptions control = new HttpServerOptions(options)
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.1", "TLSv1.2", "TLSv1.3"));
    control.getEnabledCipherSuites().clear(); // TLS 1.1 has no AEAD suites: the engine's defaults
    int port = listen(options);
    int controlPort = listen(control);

    if (engine.isBoringSsl()) { // the JDK engine refuses TLS 1.1 by its own policy, whatever it is told
      assertEquals("TLSv1.1", negotiatedProtocol(controlPort));
    }
    assertThrows(ExecutionException.class, () -> await(connectWithTls11(port)));
  }

  /**
   * The protocol a TLS 1.1 client negotiates with the server on {@code port}. A socket's session
   * is read from its pipeline, which is empty once the connection has closed (seen once in CI, when
   * each connection had its own client and could lose it to Vert.x's cleaner), so a connection
   * closed before it could be read is still tried again.
   */
  private String negotiatedProtocol(int port) throws Exception {
    for (int attempt = 1; ; attempt++) {
      NetSocket socket = await(connectWithTls11(port));
      SSLSession session = socket.sslSession();
      await(socket.close());
      if (session != null || attempt == 3) {
        assertNotNull(session, "no TLS session on 3 connections in a row");
        return session.getProtocol();
      }
    }
  }

  private int listen(HttpServerOptions options) throws Exception {
    HttpServer server = vertx.createHttpServer(options).requestHandler(request -> request.response().end());
    return await(server.listen()).actualPort();
  }

  private io.vertx.core.Future<NetSocket> connectWithTls11(int port) {
    ClientSSLOptions ssl = new ClientSSLOptions().setTrustAll(true).setHostnameVerificationAlgorithm("")
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.1"));
    return client.connect(new ConnectOptions().setHost("127.0.0.1").setPort(port).setSsl(true).setSslOptions(ssl));
  }
}
