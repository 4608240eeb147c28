package io.gatehouse.gateway;

import io.gatehouse.certs.CertFactory;
import io.gatehouse.certs.IssuedCert;
import io.gatehouse.certs.KeyFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A test CA ({@code ca.crt}) and the certificates it signs, written as PEM files into one
 * directory, valid for 30 days: what HTTPS tests serve and what their clients trust.
 */
final class TestCerts {
  static final Duration VALIDITY = Duration.ofDays(30);

  final Path dir;
  final CertFactory factory = CertFactory.ecdsa();
  final IssuedCert ca;

  private TestCerts(Path dir) {
    this.dir = dir;
    this.ca = write(factory.ca("Test CA", VALIDITY), "ca", KeyFormat.PKCS8);
  }

  static TestCerts in(Path dir) {
    return new TestCerts(dir);
  }

  /** Issues a server certificate for {@code names} as {@code NAME.crt} and {@code NAME.key}. */
  IssuedCert server(String name, String... names) {
    return write(factory.server(ca, VALIDITY, names), name, KeyFormat.PKCS8);
  }

  /** A client certificate with {@code uri} as its URI SAN, as {@code NAME.crt} and {@code NAME.key}. */
  IssuedCert client(String name, String uri) {
    return write(factory.client(ca, VALIDITY, uri), name, KeyFormat.PKCS8);
  }

  IssuedCert write(IssuedCert cert, String name, KeyFormat format) {
    try {
      return cert.write(dir.resolve(name + ".crt"), dir.resolve(name + ".key"), format);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path caCert() {
    return dir.resolve("ca.crt");
  }

  /** A YAML flow mapping for a certificate entry serving {@code NAME.crt} / {@code NAME.key}. */
  String entry(String name) {
    return "{ cert: \"%1$s/%2$s.crt\", key: \"%1$s/%2$s.key\" }".formatted(dir, name);
  }

  /** A YAML listener list item: HTTPS on a free port, named "https", serving {@code NAME}. */
  String httpsListener(String name) {
    return "  - { name: https, port: 0, protocol: HTTPS, tls: { certificates: [" + entry(name) + "] } }\n";
  }
}
