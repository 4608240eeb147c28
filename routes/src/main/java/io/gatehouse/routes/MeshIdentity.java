package io.gatehouse.routes;

import java.time.Duration;

/**
 * The gateway's own workload identity in an Istio mesh: a key pair made in memory and a
 * certificate for {@code spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>} issued by the
 * mesh CA ({@code istio.v1.auth.IstioCertificateService/CreateCertificate} at {@code caAddress}),
 * with the service account token in {@code tokenFile} as bearer and {@code clusterId} as
 * {@code ClusterID} metadata, renewed at half its lifetime. An empty {@code namespace} or
 * {@code serviceAccount} is taken from the pod ({@code POD_NAMESPACE}/{@code SERVICE_ACCOUNT}, the
 * service account's namespace file, the token's subject). {@code caCert} is the mesh root (the
 * {@code istio-ca-root-cert} ConfigMap mount): the CA connection is verified against it, and with
 * {@link RootSource#FILE} it is the trust root of mesh mTLS; with {@link RootSource#CA} the root is
 * the last certificate of the CA's answer. {@code plaintext} (loopback CAs only) skips TLS to the CA.
 * {@code stateDir} (empty: none) is where the key and chain are written, mode 0600; otherwise the
 * key never leaves memory.
 */
public record MeshIdentity(boolean enabled, String trustDomain, String namespace, String serviceAccount,
                           String caAddress, String caCert, RootSource rootCertSource, String tokenFile,
                           String clusterId, KeyType keyType, Duration lifetime, String stateDir, boolean plaintext) {
  public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";
  public static final String DEFAULT_CA_ADDRESS = "istiod.istio-system.svc:15012";
  /** Where Istio's sidecar injection mounts the {@code istio-ca-root-cert} ConfigMap. */
  public static final String DEFAULT_CA_CERT = "/var/run/secrets/istio/root-cert.pem";
  /** Where Istio's sidecar injection mounts the projected token (audience {@code istio-ca}). */
  public static final String DEFAULT_TOKEN_FILE = "/var/run/secrets/tokens/istio-token";
  public static final String DEFAULT_CLUSTER_ID = "Kubernetes";
  /** Istio's default workload certificate TTL ({@code SECRET_TTL}). */
  public static final Duration DEFAULT_LIFETIME = Duration.ofHours(24);

  /** No workload identity: mesh mTLS is not available. */
  public static final MeshIdentity NONE = new MeshIdentity(false, DEFAULT_TRUST_DOMAIN, "", "", DEFAULT_CA_ADDRESS,
      DEFAULT_CA_CERT, RootSource.FILE, DEFAULT_TOKEN_FILE, DEFAULT_CLUSTER_ID, KeyType.ECDSA_P256, DEFAULT_LIFETIME, "",
      false);

  /** Where the mesh's trust root comes from. */
  public enum RootSource { FILE, CA }

  /** The key pair made for the CSR: ECDSA on P-256 (Istio's default for ECC) or RSA 2048 bits. */
  public enum KeyType { ECDSA_P256, RSA_2048 }

  /** The SPIFFE id for a namespace and service account in this trust domain. */
  public String spiffeId(String ns, String sa) {
    return "spiffe://" + trustDomain + "/ns/" + ns + "/sa/" + sa;
  }
}
