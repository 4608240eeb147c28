package io.gatehouse.certs.mesh;

import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * One issued workload certificate: the SPIFFE id, the in-memory key, the chain to present (leaf
 * first, without the root) and the mesh roots to trust. {@code generation} counts issues from 1;
 * {@link #toString()} never shows the key.
 */
public record WorkloadCert(String spiffeId, PrivateKey privateKey, List<X509Certificate> chain,
                           List<X509Certificate> roots, long generation) {
  public WorkloadCert {
    chain = List.copyOf(chain);
    roots = List.copyOf(roots);
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  public Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /** The alias the key manager serves this certificate under (one per generation). */
  public String alias() {
    return "mesh-" + generation;
  }

  /** The chain as PEM (for a TLS context built from text, e.g. an xDS/SDS secret). */
  public String chainPem() {
    return pem(chain);
  }

  /** The mesh roots as PEM. */
  public String rootsPem() {
    return pem(roots);
  }

  static String pem(List<X509Certificate> certs) {
    StringBuilder out = new StringBuilder();
    Base64.Encoder base64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
    for (X509Certificate c : certs) {
      try {
        out.append("-----BEGIN CERTIFICATE-----\n").append(base64.encodeToString(c.getEncoded()))
            .append("\n-----END CERTIFICATE-----\n");
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
    return out.toString();
  }

  @Override public String toString() {
    return "WorkloadCert[" + spiffeId + ", generation " + generation + ", notAfter " + notAfter() + "]";
  }
}
