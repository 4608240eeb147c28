package io.gatehouse.certs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.ListenerTls.CertificateRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevCertificatesTest {
  @TempDir Path dir;

  @Test
  void createsACaAndALocalhostCertificateThatLoad() throws Exception {
    Path target = dir.resolve("dev");

    DevCertificates dev = DevCertificates.ensure(target);

    for (String name : List.of("dev-ca.crt", "dev-ca.key", "localhost.crt", "localhost.key")) {
      assertTrue(Files.exists(target.resolve(name)), name);
    }
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dev.key())));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("dev-ca.key"))));
    X509Certificate ca = read(dev.caCert());
    X509Certificate leaf = read(dev.cert());
    assertEquals("CN=Gatehouse Dev CA", ca.getSubjectX500Principal().getName());
    assertTrue(ca.getBasicConstraints() >= 0);
    leaf.verify(ca.getPublicKey());
    assertEquals(List.of("1.3.6.1.5.5.7.3.1"), leaf.getExtendedKeyUsage()); // serverAuth
    assertEquals(List.of("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1"),
        leaf.getSubjectAlternativeNames().stream().map(san -> san.get(1).toString()).toList());

    CertStore store = CertStore.load(TestPki.tls(
        new CertificateRef(List.of(), dev.cert().toString(), dev.key().toString())));
    assertEquals(List.of("localhost"), store.certificates().get(0).dnsNames());
  }

  @Test
  void reusesExistingFiles() throws Exception {
    DevCertificates first = DevCertificates.ensure(dir);
    byte[] ca = Files.readAllBytes(first.caCert());
    byte[] leaf = Files.readAllBytes(first.cert());

    DevCertificates second = DevCertificates.ensure(dir);

    assertArrayEquals(ca, Files.readAllBytes(second.caCert()));
    assertArrayEquals(leaf, Files.readAllBytes(second.cert()));
  }

  @Test
  void renewsTheLeafWithin30DaysOfExpiryAndKeepsTheCa() throws Exception {
    DevCertificates first = DevCertificates.ensure(dir);
    byte[] ca = Files.readAllBytes(first.caCert());
    byte[] leaf = Files.readAllBytes(first.cert());
    Clock in340Days = Clock.fixed(Instant.now().plus(Duration.ofDays(340)), ZoneOffset.UTC);

    DevCertificates renewed = DevCertificates.ensure(dir, in340Days);

    assertArrayEquals(ca, Files.readAllBytes(renewed.caCert()));
    assertFalse(java.util.Arrays.equals(leaf, Files.readAllBytes(renewed.cert())));
    read(renewed.cert()).verify(read(renewed.caCert()).getPublicKey());
  }

  private static X509Certificate read(Path file) throws Exception {
    try (var in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}
