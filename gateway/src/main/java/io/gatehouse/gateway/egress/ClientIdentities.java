package io.gatehouse.gateway.egress;

import io.vertx.core.http.HttpConnection;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The identities a client proved with its certificate on this connection: the URI SANs (SPIFFE
 * IDs in a mesh) and DNS SANs of the verified leaf. Empty without a verified certificate.
 */
final class ClientIdentities {
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;

  private ClientIdentities() {}

  static List<String> of(HttpConnection connection) {
    List<Certificate> chain;
    try {
      chain = connection.peerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
      return List.of();
    }
    Collection<List<?>> sans;
    try {
      sans = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    if (sans != null) {
      for (List<?> san : sans) {
        if (san.size() >= 2 && san.get(0) instanceof Integer type && (type == SAN_URI || type == SAN_DNS)) {
          out.add(String.valueOf(san.get(1)));
        }
      }
    }
    return out;
  }
}
