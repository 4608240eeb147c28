package io.gatehouse.gateway.upstream;

import io.gatehouse.certs.TlsEngine;
import io.gatehouse.certs.mesh.WorkloadIdentity;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.UpstreamTls;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import java.util.List;
import java.util.Set;

/**
 * TLS the gateway originates to an upstream: certificate verification always on (against
 * {@code caCert}, else the JVM's trust store), hostname verification unless turned off or replaced
 * by {@code subjectAltNames} ({@link NamedPeerTrust}), SNI sent,
 * TLS 1.2+ only, and an optional client certificate for mTLS with files. Mesh upstreams
 * (ISTIO_MUTUAL) present the workload certificate and verify the upstream's SPIFFE id against the
 * mesh root instead, both following rotations by themselves, and offer Istio's in-mesh ALPN.
 */
final class UpstreamTlsOptions {
  private UpstreamTlsOptions() {}

  static void apply(HttpClientOptions options, Upstream upstream, WorkloadIdentity identity) {
    apply(options, upstream, identity, null);
  }

  /**
   * {@code endpoints}: a mesh upstream's endpoints, each held to its workload's SPIFFE id when the
   * upstream names no {@code subjectAltNames} (null: none known).
   */
  static void apply(HttpClientOptions options, Upstream upstream, WorkloadIdentity identity, EndpointState[] endpoints) {
    UpstreamTls tls = upstream.tls();
    options.setSsl(true)
        .setForceSni(true)
        .setVerifyHost(tls.verifyHostname())
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
    if (tls.mesh()) {
      mesh(options, upstream, identity, endpoints);
      return;
    }
    TrustOptions trust = tls.caCert().isEmpty() ? null : new PemTrustOptions().addCertPath(tls.caCert());
    if (!tls.subjectAltNames().isEmpty()) {
      // The names replace the host name: the certificate must carry one of them.
      options.setVerifyHost(false)
          .setTrustOptions(new NamedPeerTrust(trust, tls.subjectAltNames(), "upstream " + upstream.name()));
    } else if (trust != null) {
      options.setTrustOptions(trust);
    }
    if (!tls.clientCert().isEmpty()) {
      options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.clientCert()).setKeyPath(tls.clientKey()));
    }
  }

  /**
   * The identity is the SPIFFE id, not the host name; h2 is offered only to HTTP2 upstreams (as
   * Istio's ALPNInMeshH2 does), since a server choosing it would meet an HTTP/1.1 client otherwise.
   */
  private static void mesh(HttpClientOptions options, Upstream upstream, WorkloadIdentity identity,
                           EndpointState[] endpoints) {
    boolean h2 = upstream.protocol() == Upstream.Protocol.HTTP2;
    String peer = "upstream " + upstream.name();
    if (identity == null) {
      options.setTrustOptions(TrustOptions.wrap(WorkloadIdentity.noIdentity(peer)));
    } else {
      EndpointIdentities byEndpoint = endpoints == null ? null
          : new EndpointIdentities(endpoints, identity.config().trustDomain());
      options.setKeyCertOptions(KeyCertOptions.wrap(identity.keyManager()))
          .setTrustOptions(TrustOptions.wrap(identity.trustManager(upstream.tls().subjectAltNames(), peer, byEndpoint)));
    }
    options.setVerifyHost(false)
        .setUseAlpn(true)
        .setAlpnVersions(h2 ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1) : List.of(HttpVersion.HTTP_1_1))
        .setSslEngineOptions(MeshAlpn.of(TlsEngine.detect(true).engineOptions(), upstream.tls().sni()));
  }

  /** Istio's SNI for in-mesh mTLS: {@code outbound_.<port>_._.<host>} (its BuildDNSSrvSubsetKey, no subset). */
  static String meshSni(String host, int port) {
    return "outbound_." + port + "_._." + host;
  }
}
