package io.gatehouse.certs;

/**
 * TLS material that cannot be served: a file that is missing or unparseable, a key that does not
 * match its certificate, a certificate outside its validity period. The message names the file(s)
 * and the reason, and never contains key material.
 */
public final class CertificateProblem extends Exception {
  public CertificateProblem(String message) {
    super(message);
  }

  public CertificateProblem(String message, Throwable cause) {
    super(message, cause);
  }
}
