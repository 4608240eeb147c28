package io.gatehouse.certs.mesh;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Serves the current workload certificate to every new handshake, client or server side: after a
 * rotation new handshakes get the new certificate while established connections keep theirs.
 * Each generation has its own alias, and the previous generation stays resolvable, so a handshake
 * that chose an alias just before a rotation still gets the key and chain that belong together.
 */
final class MeshKeyManager extends X509ExtendedKeyManager {
  private final WorkloadIdentity identity;

  MeshKeyManager(WorkloadIdentity identity) {
    this.identity = identity;
  }

  private String alias() {
    WorkloadCert cert = identity.current();
    return cert == null ? null : cert.alias();
  }

  @Override public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return alias();
  }

  @Override public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return alias();
  }

  @Override public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias();
  }

  @Override public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias();
  }

  @Override public String[] getClientAliases(String keyType, Principal[] issuers) {
    String alias = alias();
    return alias == null ? null : new String[] {alias};
  }

  @Override public String[] getServerAliases(String keyType, Principal[] issuers) {
    return getClientAliases(keyType, issuers);
  }

  @Override public X509Certificate[] getCertificateChain(String alias) {
    WorkloadCert cert = identity.byAlias(alias);
    return cert == null ? null : cert.chain().toArray(X509Certificate[]::new);
  }

  @Override public PrivateKey getPrivateKey(String alias) {
    WorkloadCert cert = identity.byAlias(alias);
    return cert == null ? null : cert.privateKey();
  }
}
