package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.certs.IssuedCert;
import io.gatehouse.certs.KeyFormat;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates rotate without a restart: replacing the files on disk reaches new handshakes
 * within 2 s while a stream of handshakes runs without a failure, established connections keep
 * working, and a broken new pair is rejected while the old one keeps serving.
 */
class CertificateRotationTest {
  @TempDir Path dir;
  Vertx vertx;
  TestGateway gateway;
  TestCerts certs;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    certs = TestCerts.in(dir);
    certs.server("tls", "localhost");
    gateway = TestGateway.startRaw("admin: { port: 0 }\nlisteners:\n" + certs.httpsListener("tls")
        + "routes: [{ name: ok, directResponse: { status: 200, body: \"ok\" } }]\n");
  }

  @AfterEach
  void stop() {
    gateway.close();
    vertx.close();
  }

  @Test
  void replacedFilesReachNewHandshakesWithoutAFailedHandshake() throws Exception {
    BigInteger first = handshake();
    AtomicInteger handshakes = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Set<BigInteger> seen = ConcurrentHashMap.newKeySet();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicReference<java.time.Instant> rotatedNotAfter = new AtomicReference<>();
    Thread stream = new Thread(() -> {
      while (running.get() && failure.get() == null) {
        try {
          seen.add(handshake());
          handshakes.incrementAndGet();
        } catch (Exception e) {
          failure.set(e);
        }
      }
    }, "handshake-stream");
    stream.start();
    try {
      Await.until("some handshakes before the rotation", 10, () -> handshakes.get() >= 20);
      IssuedCert next = replace("localhost");
      rotatedNotAfter.set(next.certificate().getNotAfter().toInstant());
      BigInteger rotated = next.certificate().getSerialNumber();
      long rotatedAt = System.nanoTime();
      Await.until("the new certificate is served", 5, () -> seen.contains(rotated));
      assertTrue(System.nanoTime() - rotatedAt < 2_500_000_000L, "applied within about 2 s");
      int after = handshakes.get();
      Await.until("more handshakes after the rotation", 10, () -> handshakes.get() >= after + 20);
    } finally {
      running.set(false);
      stream.join(10_000);
    }
    assertEquals(null, failure.get(), "no handshake failed during the rotation");
    assertTrue(seen.contains(first));
    String expiry = "gatehouse_tls_certificate_expiry_seconds{file=\"" + dir.resolve("tls.crt") + "\",listener=\"https\"";
    Await.until("the expiry gauge shows the rotated certificate", 5, () -> gateway.gatehouse.metrics().scrape().contains(expiry));
    long notAfter = rotatedNotAfter.get().getEpochSecond();
    assertTrue(gateway.gatehouse.metrics().scrape().lines().anyMatch(l -> l.startsWith(expiry)
        && Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) == notAfter), gateway.gatehouse.metrics().scrape());
  }

  @Test
  void establishedConnectionsKeepWorkingAcrossARotation() throws Exception {
    HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setKeepAlive(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve("ca.crt").toString())),
        new PoolOptions().setHttp1MaxSize(1));
    RequestOptions get = new RequestOptions().setHost("localhost").setPort(port()).setURI("/");
    HttpConnection before = Await.result(client.request(get).compose(r -> r.send().compose(resp -> resp.body().map(b -> r.connection()))));
    BigInteger rotated = replace("localhost").certificate().getSerialNumber();
    Await.until("the new certificate is served", 5, () -> rotated.equals(handshakeQuietly()));
    HttpConnection after = Await.result(client.request(get).compose(r -> r.send().compose(resp -> resp.body().map(b -> r.connection()))));
    assertSame(before, after, "the request went over the connection opened before the rotation");
    client.close();
  }

  @Test
  void aBrokenNewPairIsRejectedAndTheOldOneKeepsServing() throws Exception {
    BigInteger serving = handshake();
    long failures = gateway.gatehouse.store().failures();
    IssuedCert other = certs.factory.server(certs.ca, TestCerts.VALIDITY, "localhost");
    Files.writeString(dir.resolve("tls.key"), other.privateKeyPem(KeyFormat.PKCS8)); // key of another certificate
    Await.until("the broken pair is rejected", 5, () -> gateway.gatehouse.store().failures() > failures);
    assertEquals(serving, handshake(), "the old pair keeps serving");
    assertTrue(gateway.gatehouse.metrics().scrape().contains("gatehouse_config_reload_failures_total"));
  }

  /** Writes a new leaf and key for {@code name}, each file replaced atomically. */
  private IssuedCert replace(String name) throws IOException {
    IssuedCert next = certs.factory.server(certs.ca, TestCerts.VALIDITY, name);
    Path tmpCert = dir.resolve("tls.crt.tmp");
    Path tmpKey = dir.resolve("tls.key.tmp");
    next.write(tmpCert, tmpKey, KeyFormat.PKCS8);
    Files.move(tmpKey, dir.resolve("tls.key"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmpCert, dir.resolve("tls.crt"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return next;
  }

  private int port() {
    return gateway.gatehouse.listenerPort("https");
  }

  private BigInteger handshakeQuietly() {
    try {
      return handshake();
    } catch (Exception e) {
      return BigInteger.ZERO;
    }
  }

  /** A new TLS connection (no session reuse), verified against the CA; the served leaf's serial. */
  private BigInteger handshake() throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trustManagers(), null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port())) {
      SSLParameters params = socket.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName("localhost")));
      params.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(params);
      socket.setSoTimeout(5_000);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private javax.net.ssl.TrustManager[] trustManagers() throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(dir.resolve("ca.crt"))) {
      store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    return tmf.getTrustManagers();
  }
}
