package io.gatehouse.gateway.proxy;

import io.vertx.core.http.HttpServerRequest;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The verified client certificate as Envoy's {@code x-forwarded-client-cert} value:
 * {@code By=<the gateway's SPIFFE id>;Hash=<sha256 of the DER>;Subject="<RFC 2253>";URI=<each URI SAN>;DNS=<each DNS SAN>}
 * ({@code By} only with a mesh identity, as Envoy writes its own URI SAN there).
 * A client can never send this header itself: it is removed before forwarding and only the
 * gateway's own value (from the handshake of this connection) goes upstream.
 */
final class ClientCertHeader {
  static final String NAME = "x-forwarded-client-cert";
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;

  private ClientCertHeader() {}

  /** The header value, or null when the connection is not TLS or the client sent no certificate. */
  static String of(HttpServerRequest request, String by) {
    if (!request.isSSL()) {
      return null;
    }
    List<Certificate> chain;
    try {
      chain = request.connection().peerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
      return null;
    }
    StringBuilder out = new StringBuilder(256);
    if (!by.isEmpty()) {
      out.append("By=").append(by).append(';');
    }
    out.append("Hash=").append(sha256(leaf));
    out.append(";Subject=\"").append(leaf.getSubjectX500Principal().getName().replace("\"", "\\\"")).append('"');
    appendSans(out, leaf, SAN_URI, "URI");
    appendSans(out, leaf, SAN_DNS, "DNS");
    return out.toString();
  }

  private static void appendSans(StringBuilder out, X509Certificate cert, int type, String key) {
    Collection<List<?>> sans;
    try {
      sans = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return;
    }
    if (sans == null) {
      return;
    }
    for (List<?> san : sans) {
      if (san.size() >= 2 && san.get(0) instanceof Integer t && t == type) {
        out.append(';').append(key).append('=').append(san.get(1));
      }
    }
  }

  private static String sha256(X509Certificate cert) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      return "";
    }
  }
}
