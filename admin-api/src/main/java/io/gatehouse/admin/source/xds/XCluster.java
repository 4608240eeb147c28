package io.gatehouse.admin.source.xds;

import io.gatehouse.routes.Upstream;
import java.util.List;
import java.util.Set;

/**
 * A CDS cluster as far as it translates on its own: the upstream without endpoints ({@code base}),
 * where its endpoints come from (the EDS resource {@code edsName}, or {@code inline} ones), its
 * TLS, and {@code unservable}: why routes to it cannot be served (empty when they can). Istio's
 * clusters that no gateway route uses (BlackHoleCluster, PassthroughCluster) may be unservable
 * without harm; a route that uses one fails instead.
 */
record XCluster(String name, Upstream base, String edsName, List<Upstream.Endpoint> inline, ClusterTls tls,
                String unservable) {
  XCluster {
    inline = List.copyOf(inline);
  }

  boolean eds() {
    return !edsName.isEmpty();
  }

  /**
   * TLS to the cluster's endpoints. Certificates come from SDS secrets ({@code *Secret}) or files
   * ({@code *File}); {@code mesh}: Istio mutual TLS (the SDS secrets "default" and "ROOTCA" that an
   * Istio agent serves); {@code matchIstio}: the TLS applies only to endpoints labelled
   * {@code tlsMode: istio} (Istio's transport_socket_matches), the others get plaintext.
   */
  record ClusterTls(boolean enabled, String sni, String caSecret, String caFile, String certSecret, String certFile,
                    String keyFile, boolean mesh, boolean matchIstio, List<String> subjectAltNames) {
    static final ClusterTls NONE = new ClusterTls(false, "", "", "", "", "", "", false, false, List.of());

    ClusterTls {
      subjectAltNames = List.copyOf(subjectAltNames);
    }

    Set<String> secrets() {
      Set<String> out = new java.util.TreeSet<>();
      if (!caSecret.isEmpty()) {
        out.add(caSecret);
      }
      if (!certSecret.isEmpty()) {
        out.add(certSecret);
      }
      return out;
    }
  }
}
