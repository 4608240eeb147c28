package io.gatehouse.certs;

/** How a private key is written as PEM. Each is read back by {@link CertStore}. */
public enum KeyFormat {
  /** {@code -----BEGIN PRIVATE KEY-----}, any algorithm. */
  PKCS8,
  /** {@code -----BEGIN RSA PRIVATE KEY-----}, RSA only. */
  PKCS1,
  /** {@code -----BEGIN EC PRIVATE KEY-----}, EC only. */
  SEC1
}
