package io.gatehouse.certs;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate made by {@link CertFactory}, with its private key and the chain to serve (itself,
 * then any intermediates; never the self-signed root). Can sign further certificates if a CA.
 */
public record IssuedCert(X509Certificate certificate, PrivateKey privateKey, List<X509Certificate> chain) {
  public IssuedCert {
    chain = List.copyOf(chain);
  }

  /** The chain as PEM, leaf first. */
  public String certificatePem() {
    return PemWriter.certificates(chain);
  }

  /** This certificate alone as PEM: what a trust bundle holds. */
  public String certificateOnlyPem() {
    return PemWriter.certificates(List.of(certificate));
  }

  /** The key as PEM; {@code PKCS1} is for RSA keys, {@code SEC1} for EC keys. */
  public String privateKeyPem(KeyFormat format) {
    return PemWriter.privateKey(privateKey, certificate.getPublicKey(), format);
  }

  /** Writes the chain to {@code certFile} and the key to owner-only {@code keyFile}; returns this. */
  public IssuedCert write(Path certFile, Path keyFile, KeyFormat format) throws IOException {
    PemWriter.write(certFile, certificatePem(), false);
    PemWriter.write(keyFile, privateKeyPem(format), true);
    return this;
  }

  @Override
  public String toString() {
    return "IssuedCert[" + certificate.getSubjectX500Principal().getName() + "]"; // never the key
  }
}
