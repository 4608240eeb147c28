package io.gatehouse.certs;

import java.time.Instant;
import java.util.List;

/**
 * What an operator needs to know about one served certificate (its leaf): for the expiry gauge,
 * logs and the admin API. Carries nothing secret.
 *
 * @param file the certificate file, as written in config
 * @param subject the leaf's subject in RFC 2253 form
 * @param dnsNames the leaf's DNS subject alternative names
 * @param notAfter when the leaf expires
 * @param sha256Fingerprint SHA-256 of the leaf's DER encoding, lowercase hex
 */
public record CertificateInfo(String file, String subject, List<String> dnsNames, Instant notAfter,
                              String sha256Fingerprint) {
  public CertificateInfo {
    dnsNames = List.copyOf(dnsNames);
  }
}
