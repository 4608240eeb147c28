package io.gatehouse.certs.mesh;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Mesh mTLS peer verification, as Envoy's validation context for ISTIO_MUTUAL: the peer's chain
 * must lead to a current mesh root (PKIX, at handshake time, so a rotated root applies at once)
 * and its leaf must carry a SPIFFE URI SAN that is one of {@code expected}, or, with none
 * expected, the id {@code peers} expects of the address connected to (an endpoint whose workload is
 * known), else one of every id {@code peers} knows (an endpoint whose workload is not known, an
 * address that is no endpoint), else, when no id is known at all, any id of the trust domain. Host
 * names are not checked: the SPIFFE id is the identity. A failure says which identity was found and
 * which were expected; an accepted id is reported to {@code peers}.
 */
final class MeshTrustManager extends X509ExtendedTrustManager {
  private static final int SAN_URI = 6;

  private final WorkloadIdentity identity;
  private final Set<String> expected;
  private final String peer;
  private final PeerIdentities peers;

  MeshTrustManager(WorkloadIdentity identity, Collection<String> expected, String peer, PeerIdentities peers) {
    this.identity = identity;
    this.expected = Set.copyOf(expected);
    this.peer = peer;
    this.peers = peers;
  }

  void verify(X509Certificate[] chain) throws CertificateException {
    verify(chain, null);
  }

  /** {@code engine}: the connection's, whose peer host and port name the endpoint (null: not known). */
  void verify(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
    if (identity == null) {
      throw new CertificateException("the gateway has no workload identity to verify the " + peer
          + " with (ISTIO_MUTUAL / tls mode MESH needs a meshIdentity block)");
    }
    WorkloadCert current = identity.current();
    if (current == null) {
      throw new CertificateException("no workload certificate from the mesh CA yet, so no mesh root to verify the "
          + peer + " against (" + identity.status().lastError() + ")");
    }
    if (chain == null || chain.length == 0) {
      throw new CertificateException("the " + peer + " presented no certificate");
    }
    try {
      Set<TrustAnchor> anchors = current.roots().stream().map(r -> new TrustAnchor(r, null)).collect(Collectors.toSet());
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      List<X509Certificate> path = Arrays.stream(chain).filter(c -> !anchors.stream().anyMatch(a -> a.getTrustedCert().equals(c)))
          .toList();
      CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
    } catch (GeneralSecurityException e) {
      throw new CertificateException(peer + ": certificate not issued by the mesh root: " + e.getMessage(), e);
    }
    List<String> ids = spiffeIds(chain[0]);
    boolean byEndpoint = expected.isEmpty() && peers != null;
    String host = engine == null ? null : engine.getPeerHost();
    int port = engine == null ? -1 : engine.getPeerPort();
    String endpointId = byEndpoint && host != null ? peers.expected(host, port) : null;
    // A peer whose own id is not known is held to the ids of the known ones, never let through on the
    // trust domain alone while any is known (fail closed: an unknown address is no licence).
    Set<String> known = byEndpoint && endpointId == null ? peers.known() : Set.of();
    String accepted;
    if (!expected.isEmpty()) {
      accepted = ids.stream().filter(expected::contains).findFirst().orElse(null);
    } else if (endpointId != null) {
      accepted = ids.contains(endpointId) ? endpointId : null;
    } else if (!known.isEmpty()) {
      accepted = ids.stream().filter(known::contains).findFirst().orElse(null);
    } else {
      String prefix = "spiffe://" + identity.config().trustDomain() + "/";
      accepted = ids.stream().filter(id -> id.startsWith(prefix)).findFirst().orElse(null);
    }
    if (accepted == null) {
      String found = ids.isEmpty() ? "(no SPIFFE URI SAN)" : String.join(",", ids);
      String at = host == null ? "this connection's endpoint" : "endpoint " + host + ":" + port;
      throw new CertificateException(peer + ": identity " + found + " is not " + (!expected.isEmpty()
          ? "one of the expected " + expected.stream().sorted().toList()
          : endpointId != null ? "the expected " + endpointId + " of the workload at " + at
          : !known.isEmpty() ? "one of the identities of the upstream's known workloads "
              + known.stream().sorted().toList() + " (the workload at " + at + " is not known)"
          : "in trust domain " + identity.config().trustDomain()));
    }
    if (byEndpoint && host != null) {
      peers.verified(host, port, accepted);
    }
  }

  /** The {@code spiffe://} URI SANs of {@code cert}. */
  static List<String> spiffeIds(X509Certificate cert) {
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans == null) {
        return List.of();
      }
      return sans.stream().filter(s -> s.size() >= 2 && s.get(0) instanceof Integer t && t == SAN_URI)
          .map(s -> String.valueOf(s.get(1))).filter(s -> s.startsWith("spiffe://")).toList();
    } catch (CertificateParsingException e) {
      return List.of();
    }
  }

  @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    verify(chain);
  }

  @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    verify(chain);
  }

  @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    verify(chain, engine);
  }

  @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    verify(chain);
  }

  @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    verify(chain);
  }

  @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    verify(chain);
  }

  /** The mesh roots: what a server asks client certificates to be issued by. */
  @Override public X509Certificate[] getAcceptedIssuers() {
    WorkloadCert current = identity == null ? null : identity.current();
    return current == null ? new X509Certificate[0] : current.roots().toArray(X509Certificate[]::new);
  }
}
