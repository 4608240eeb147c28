package io.gatehouse.gateway.mesh;

import io.gatehouse.certs.mesh.WorkloadIdentity;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies a listener's mesh clients (tls.meshClients) against the mesh root of the identity the
 * serving config has at the time of each handshake, so a listener follows root rotations and
 * identity changes without a restart. Any SPIFFE id of the trust domain is accepted here; who may
 * do what is the authorization policies' business ({@code principals}).
 */
final class MeshClientTrust extends X509ExtendedTrustManager {
  private final MeshIdentities identities;

  MeshClientTrust(MeshIdentities identities) {
    this.identities = identities;
  }

  private X509ExtendedTrustManager current() {
    return identities.serving().map(i -> i.trustManager(List.of(), "client"))
        .orElseGet(() -> WorkloadIdentity.noIdentity("client"));
  }

  @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    current().checkClientTrusted(chain, authType);
  }

  @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    current().checkClientTrusted(chain, authType, socket);
  }

  @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    current().checkClientTrusted(chain, authType, engine);
  }

  @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("a listener's trust manager checks clients only");
  }

  @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override public X509Certificate[] getAcceptedIssuers() {
    return current().getAcceptedIssuers();
  }
}
