package io.gatehouse.certs;

import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.ListenerTls.CertificateRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A test CA writing real certificates into a temporary directory. */
final class TestPki {
  static final Duration YEAR = Duration.ofDays(365);
  final CertFactory factory = CertFactory.ecdsa();
  final IssuedCert ca = factory.ca("Test CA", YEAR);
  final Path dir;

  TestPki(Path dir) {
    this.dir = dir;
  }

  /** Writes {@code cert} as NAME.crt / NAME.key and returns a config entry for {@code hosts}. */
  CertificateRef write(String name, IssuedCert cert, KeyFormat format, String... hosts) {
    try {
      Path crt = dir.resolve(name + ".crt");
      Path key = dir.resolve(name + ".key");
      cert.write(crt, key, format);
      return new CertificateRef(List.of(hosts), crt.toString(), key.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  CertificateRef server(String name, String... hosts) {
    return write(name, factory.server(ca, YEAR, name), KeyFormat.PKCS8, hosts);
  }

  Path caFile() {
    Path file = dir.resolve("ca.crt");
    try {
      PemWriter.write(file, ca.certificateOnlyPem(), false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  static ListenerTls tls(CertificateRef... refs) {
    return new ListenerTls(List.of(refs), ListenerTls.ClientAuth.NONE, "", "TLSv1.2", List.of());
  }

  /** A JDK client context trusting this CA, presenting {@code clientCert} if not null. */
  SSLContext clientContext(IssuedCert clientCert) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (clientCert != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", clientCert.privateKey(), "pw".toCharArray(),
          clientCert.chain().toArray(new X509Certificate[0]));
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, "pw".toCharArray());
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }
}
