package io.gatehouse.certs;

import io.gatehouse.routes.ListenerTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A local development CA and a {@code localhost} certificate it signs, kept as PEM files in one
 * directory: generated on first use, reused afterwards, the leaf renewed when it has less than
 * 30 days left. Trust {@link #caCert()} in a browser or {@code curl --cacert}.
 */
public final class DevCertificates {
  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration LEAF_VALIDITY = Duration.ofDays(365);
  static final Duration RENEW_BEFORE = Duration.ofDays(30);
  private static final String CA_NAME = "Gatehouse Dev CA";

  private final Path caCert;
  private final Path cert;
  private final Path key;

  private DevCertificates(Path dir) {
    this.caCert = dir.resolve("dev-ca.crt");
    this.cert = dir.resolve("localhost.crt");
    this.key = dir.resolve("localhost.key");
  }

  /** Makes sure {@code dir} holds a usable dev CA and localhost certificate; blocking file I/O. */
  public static DevCertificates ensure(Path dir) throws CertificateProblem {
    return ensure(dir, Clock.systemUTC());
  }

  static DevCertificates ensure(Path dir, Clock clock) throws CertificateProblem {
    DevCertificates files = new DevCertificates(dir);
    Path caKey = dir.resolve("dev-ca.key");
    CertFactory factory = new CertFactory(CertFactory.KeyType.EC_P256, clock);
    try {
      boolean newCa = !Files.exists(files.caCert) || !Files.exists(caKey);
      IssuedCert ca = newCa
          ? factory.ca(CA_NAME, CA_VALIDITY).write(files.caCert, caKey, KeyFormat.PKCS8)
          : readCa(files.caCert, caKey);
      if (newCa || !files.leafUsable(ca, clock.instant())) {
        factory.server(ca, LEAF_VALIDITY, "localhost", "127.0.0.1", "::1").write(files.cert, files.key, KeyFormat.PKCS8);
      }
    } catch (IOException e) {
      throw new CertificateProblem(dir + ": cannot write dev certificates (" + e.getMessage() + ")", e);
    }
    return files;
  }

  /** An existing CA is never replaced silently: a browser may already trust it. */
  private static IssuedCert readCa(Path certFile, Path keyFile) throws CertificateProblem {
    X509Certificate certificate =
        PemReader.certificates(certFile.toString(), PemReader.read(certFile.toString())).get(0);
    return new IssuedCert(certificate, PemReader.privateKey(keyFile.toString(), PemReader.read(keyFile.toString())),
        List.of(certificate));
  }

  private boolean leafUsable(IssuedCert ca, Instant now) {
    if (!Files.exists(cert) || !Files.exists(key)) {
      return false;
    }
    try {
      X509Certificate leaf = PemReader.certificates(cert.toString(), PemReader.read(cert.toString())).get(0);
      PemReader.privateKey(key.toString(), PemReader.read(key.toString()));
      leaf.verify(ca.certificate().getPublicKey());
      return leaf.getNotAfter().toInstant().isAfter(now.plus(RENEW_BEFORE));
    } catch (CertificateProblem | GeneralSecurityException e) {
      return false; // unreadable, or signed by an earlier CA: issue a fresh one
    }
  }

  /**
   * {@code tls} with every {@code dev: true} entry replaced by this directory's localhost
   * certificate (made on first use); {@code tls} itself when it has none. Blocking file I/O.
   */
  public static ListenerTls resolve(ListenerTls tls, Path dir) throws CertificateProblem {
    if (tls.certificates().stream().noneMatch(ListenerTls.CertificateRef::dev)) {
      return tls;
    }
    DevCertificates dev = ensure(dir);
    List<ListenerTls.CertificateRef> refs = new ArrayList<>();
    for (ListenerTls.CertificateRef ref : tls.certificates()) {
      refs.add(ref.dev() ? new ListenerTls.CertificateRef(ref.hosts(), dev.cert().toString(), dev.key().toString()) : ref);
    }
    return new ListenerTls(refs, tls.clientAuth(), tls.clientCa(), tls.minVersion(), tls.ciphers(), tls.allowJdkFallback());
  }

  /** The CA certificate to trust ({@code dev-ca.crt}). */
  public Path caCert() {
    return caCert;
  }

  /** The localhost chain ({@code localhost.crt}): SANs localhost, 127.0.0.1, ::1. */
  public Path cert() {
    return cert;
  }

  /** The localhost key ({@code localhost.key}, PKCS#8, owner-only). */
  public Path key() {
    return key;
  }
}
