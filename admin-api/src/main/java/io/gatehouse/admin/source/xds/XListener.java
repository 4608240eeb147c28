package io.gatehouse.admin.source.xds;

import io.gatehouse.routes.Listener;
import io.gatehouse.routes.Route;
import java.util.List;

/**
 * An LDS listener as far as it translates on its own: where it binds, what it speaks, the RDS
 * configurations its HTTP connection managers name ({@code rds}), its inline routes (an inline
 * {@code route_config}, or one route per SNI filter chain of a passthrough or TCP listener; their
 * backends name clusters) and the certificate each TLS filter chain serves.
 */
record XListener(String name, String address, int port, Listener.Protocol protocol, boolean proxyProtocol,
                 List<String> rds, List<Route> routes, List<TlsChain> tls) {
  XListener {
    rds = List.copyOf(rds);
    routes = List.copyOf(routes);
    tls = List.copyOf(tls);
  }

  /**
   * One TLS-terminating filter chain: the SNI names it serves (empty: the default certificate), its
   * certificate from an SDS secret or files, and client certificate checks against a CA secret or file.
   */
  record TlsChain(List<String> hosts, String certSecret, String certFile, String keyFile, String caSecret,
                  String caFile, boolean requireClient, String minVersion) {
    TlsChain {
      hosts = List.copyOf(hosts);
    }
  }
}
