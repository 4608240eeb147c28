package io.gatehouse.routes;

import java.util.List;

/**
 * TLS the gateway originates to an upstream. Disabled is {@link #NONE}. Empty strings mean
 * "not set": no SNI override, the JVM's trust store, no client certificate. With {@code mesh}
 * (native {@code mode: MESH}, Istio's {@code ISTIO_MUTUAL}) the gateway presents its workload
 * certificate ({@link MeshIdentity}), trusts only the mesh root, and accepts an upstream whose
 * SPIFFE URI SAN is one of {@code subjectAltNames} (empty: each endpoint's workload identity, or for
 * an endpoint whose workload is not known one of the others', or, when none is known, any identity of
 * the trust domain);
 * the certificate files and hostname verification do not apply then. Without {@code mesh},
 * non-empty {@code subjectAltNames} replace hostname verification: the upstream's certificate
 * (verified against {@code caCert}) must carry one of them as a DNS (its wildcards too), URI or IP SAN.
 */
public record UpstreamTls(boolean enabled, String sni, String caCert, String clientCert, String clientKey,
                          boolean verifyHostname, boolean mesh, List<String> subjectAltNames) {
  public static final UpstreamTls NONE = new UpstreamTls(false, "", "", "", "", true);

  public UpstreamTls {
    subjectAltNames = List.copyOf(subjectAltNames);
  }

  /** TLS with certificate files (SIMPLE, or MUTUAL with a client certificate). */
  public UpstreamTls(boolean enabled, String sni, String caCert, String clientCert, String clientKey,
                     boolean verifyHostname) {
    this(enabled, sni, caCert, clientCert, clientKey, verifyHostname, false, List.of());
  }

  /** Mesh mTLS with the workload identity, accepting upstreams whose SPIFFE id is in {@code subjectAltNames}. */
  public static UpstreamTls mesh(String sni, List<String> subjectAltNames) {
    return new UpstreamTls(true, sni, "", "", "", false, true, subjectAltNames);
  }
}
