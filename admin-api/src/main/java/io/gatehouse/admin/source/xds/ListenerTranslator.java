package io.gatehouse.admin.source.xds;

import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.RetryPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An LDS {@code Listener} as an {@link XListener}. Its filter chains decide the protocol: HTTP
 * connection managers without TLS make an HTTP listener, with a {@code DownstreamTlsContext} an
 * HTTPS one (a certificate per chain, chosen by the chain's {@code server_names}); {@code tcp_proxy}
 * chains matched by {@code server_names} make a TLS_PASSTHROUGH listener, one without a TCP
 * listener. HTTP filters with no Gatehouse equivalent fail the listener (dropping an
 * authorization or Lua filter would change what the gateway lets through); statistics-only ones
 * are noted and ignored.
 */
final class ListenerTranslator {
  static final String HCM = "envoy.filters.network.http_connection_manager";
  static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
  /** HTTP filters that change nothing the gateway serves, with what they do in Envoy. */
  private static final Set<String> HARMLESS_HTTP = Set.of("istio.stats", "istio.metadata_exchange", "istio.alpn",
      "envoy.filters.http.grpc_stats", "envoy.filters.http.cors", "envoy.filters.http.fault",
      "envoy.filters.http.router");
  private static final Set<String> HARMLESS_NETWORK = Set.of("istio.stats", "istio.metadata_exchange",
      "envoy.filters.network.metadata_exchange");
  private static final Set<String> HARMLESS_LISTENER = Set.of("envoy.filters.listener.tls_inspector",
      "envoy.filters.listener.http_inspector");

  private ListenerTranslator() {}

  static XListener translate(io.envoyproxy.envoy.config.listener.v3.Listener l, Findings f) {
    if (!l.getAddress().hasSocketAddress()) {
      f.fail("address", "only socket_address listeners are served");
      return null;
    }
    SocketAddress a = l.getAddress().getSocketAddress();
    // Port 0 binds an ephemeral port, as Envoy does.
    if (a.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE || a.getPortValue() > 65535) {
      f.fail("address.socket_address.port_value", "a port between 0 and 65535 is required");
      return null;
    }
    boolean proxyProtocol = false;
    for (int i = 0; i < l.getListenerFiltersCount(); i++) {
      String name = l.getListenerFilters(i).getName();
      if (name.equals("envoy.filters.listener.proxy_protocol")) {
        proxyProtocol = true;
      } else if (!HARMLESS_LISTENER.contains(name)) {
        f.fail("listener_filters[" + i + "]", "listener filter " + name + " is not served");
      }
    }
    List<FilterChain> chains = new ArrayList<>(l.getFilterChainsList());
    if (l.hasDefaultFilterChain()) {
      chains.add(l.getDefaultFilterChain());
    }
    if (chains.isEmpty()) {
      f.fail("filter_chains", "a listener needs a filter chain");
      return null;
    }
    List<String> rds = new ArrayList<>();
    List<Route> routes = new ArrayList<>();
    List<XListener.TlsChain> tls = new ArrayList<>();
    int http = 0;
    int tcp = 0;
    int terminated = 0;
    for (int i = 0; i < chains.size(); i++) {
      FilterChain chain = chains.get(i);
      String cf = i < l.getFilterChainsCount() ? "filter_chains[" + i + "]" : "default_filter_chain";
      List<String> sni = serverNames(chain.getFilterChainMatch(), cf + ".filter_chain_match", f);
      boolean hasTls = chain.hasTransportSocket() && !chain.getTransportSocket().getName().equals("envoy.transport_sockets.raw_buffer");
      if (hasTls) {
        XListener.TlsChain t = tls(chain, sni, cf + ".transport_socket", f);
        if (t != null) {
          tls.add(t);
        }
        terminated++;
      }
      for (int j = 0; j < chain.getFiltersCount(); j++) {
        Filter filter = chain.getFilters(j);
        String ff = cf + ".filters[" + j + "]";
        if (filter.getName().equals(HCM) || filter.getTypedConfig().is(HttpConnectionManager.class)) {
          http++;
          HttpConnectionManager hcm = ClusterTranslator.unpack(filter.getTypedConfig(), HttpConnectionManager.class,
              ff + ".typed_config", f);
          if (hcm != null) {
            hcm(l.getName(), hcm, ff + ".typed_config", rds, routes, f);
          }
        } else if (filter.getName().equals(TCP_PROXY) || filter.getTypedConfig().is(TcpProxy.class)) {
          tcp++;
          TcpProxy proxy = ClusterTranslator.unpack(filter.getTypedConfig(), TcpProxy.class, ff + ".typed_config", f);
          if (proxy != null) {
            Action action = tcpAction(proxy, ff + ".typed_config", f);
            if (action != null) {
              routes.add(tcpRoute(l.getName() + "/" + (chain.getName().isEmpty() ? "chain-" + i : chain.getName()),
                  sni.isEmpty() ? List.of("*") : sni, action));
            }
          }
        } else if (HARMLESS_NETWORK.contains(filter.getName())) {
          f.note(ff, "network filter " + filter.getName() + " ignored (statistics and peer metadata only)");
        } else {
          f.fail(ff, "network filter " + filter.getName() + " has no Gatehouse equivalent");
        }
      }
    }
    Listener.Protocol protocol;
    if (http > 0 && tcp == 0) {
      protocol = terminated == 0 ? Listener.Protocol.HTTP : Listener.Protocol.HTTPS;
      if (terminated != 0 && terminated != chains.size()) {
        f.fail("filter_chains", "chains with and without TLS on one listener are not served");
      }
      if (terminated == 0 && chains.size() > 1) {
        f.fail("filter_chains", "more than one plaintext HTTP filter chain on one listener is not served");
      }
    } else if (tcp > 0 && http == 0) {
      if (terminated > 0) {
        f.fail("filter_chains", "tcp_proxy behind TLS termination is not served (expected: passthrough by SNI)");
      }
      boolean bySni = chains.stream().allMatch(c -> c.getFilterChainMatch().getServerNamesCount() > 0);
      protocol = bySni ? Listener.Protocol.TLS_PASSTHROUGH : Listener.Protocol.TCP;
      if (!bySni && chains.size() > 1) {
        f.fail("filter_chains", "several tcp_proxy chains need server_names (TLS passthrough by SNI)");
      }
    } else {
      f.fail("filter_chains", "a listener needs HTTP connection managers or tcp_proxy filters, not both nor neither");
      return null;
    }
    String address = a.getAddress().isEmpty() ? "0.0.0.0" : a.getAddress();
    return new XListener(l.getName(), address, a.getPortValue(), protocol, proxyProtocol, rds, routes, tls);
  }

  private static List<String> serverNames(FilterChainMatch m, String field, Findings f) {
    if (m.getPrefixRangesCount() > 0 || m.getSourcePrefixRangesCount() > 0 || m.getSourcePortsCount() > 0
        || m.hasDestinationPort() || m.getDirectSourcePrefixRangesCount() > 0) {
      f.fail(field, "matches on addresses and ports are not served (expected: server_names)");
    }
    List<String> out = new ArrayList<>();
    m.getServerNamesList().forEach(n -> out.add(n.toLowerCase(java.util.Locale.ROOT)));
    return out;
  }

  private static void hcm(String listener, HttpConnectionManager hcm, String field, List<String> rds, List<Route> routes,
                          Findings f) {
    switch (hcm.getRouteSpecifierCase()) {
      case RDS -> rds.add(hcm.getRds().getRouteConfigName());
      case ROUTE_CONFIG -> {
        var config = hcm.getRouteConfig().toBuilder().setName(listener + "/" + (hcm.getRouteConfig().getName().isEmpty()
            ? "inline" : hcm.getRouteConfig().getName())).build();
        Findings inline = new Findings(XdsType.LDS, listener);
        routes.addAll(RouteTranslator.translate(config, inline));
        inline.problems().forEach(p -> f.fail(field + ".route_config", p));
        inline.notes().forEach(n -> f.note(field + ".route_config", n));
      }
      default -> f.fail(field, "route specifier " + hcm.getRouteSpecifierCase() + " is not served (expected: rds or"
          + " route_config)");
    }
    for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
      HttpFilter filter = hcm.getHttpFilters(i);
      String hf = field + ".http_filters[" + i + "]";
      if (filter.getName().equals("istio.stats")) {
        f.note(hf, "istio.stats ignored: the gateway exports Istio's standard istio_* metrics itself");
      } else if (HARMLESS_HTTP.contains(filter.getName())) {
        if (!filter.getName().equals("envoy.filters.http.router")) {
          f.note(hf, filter.getName() + " ignored (no effect without per-route config, which is checked per route)");
        }
      } else if (filter.getIsOptional() || filter.getDisabled()) {
        f.note(hf, filter.getName() + " (optional or disabled) ignored");
      } else {
        f.fail(hf + ".name", "HTTP filter " + filter.getName() + " ("
            + filter.getTypedConfig().getTypeUrl().replace("type.googleapis.com/", "") + ") has no Gatehouse equivalent");
      }
    }
  }

  private static Action tcpAction(TcpProxy proxy, String field, Findings f) {
    switch (proxy.getClusterSpecifierCase()) {
      case CLUSTER:
        return new Action.Forward(List.of(new Action.Backend(proxy.getCluster(), 1)));
      case WEIGHTED_CLUSTERS: {
        List<Action.Backend> backends = new ArrayList<>();
        proxy.getWeightedClusters().getClustersList().forEach(c -> {
          if (c.getWeight() > 0) {
            backends.add(new Action.Backend(c.getName(), c.getWeight()));
          }
        });
        if (backends.isEmpty()) {
          f.fail(field + ".weighted_clusters", "no cluster has a weight above 0");
          return null;
        }
        return new Action.Forward(backends);
      }
      default:
        f.fail(field, "tcp_proxy needs cluster or weighted_clusters");
        return null;
    }
  }

  private static Route tcpRoute(String name, List<String> hosts, Action action) {
    return Route.builder(name, action).hosts(hosts).timeout(Route.NO_TIMEOUT).retries(RetryPolicy.NONE).build();
  }

  private static XListener.TlsChain tls(FilterChain chain, List<String> sni, String field, Findings f) {
    if (!chain.getTransportSocket().getTypedConfig().is(DownstreamTlsContext.class)) {
      f.fail(field, "transport socket " + chain.getTransportSocket().getName() + " is not served");
      return null;
    }
    DownstreamTlsContext ctx = ClusterTranslator.unpack(chain.getTransportSocket().getTypedConfig(),
        DownstreamTlsContext.class, field + ".typed_config", f);
    if (ctx == null) {
      return null;
    }
    CommonTlsContext common = ctx.getCommonTlsContext();
    String cf = field + ".typed_config.common_tls_context";
    String certSecret = "";
    String certFile = "";
    String keyFile = "";
    if (common.getTlsCertificateSdsSecretConfigsCount() > 0) {
      certSecret = common.getTlsCertificateSdsSecretConfigs(0).getName();
      if (common.getTlsCertificateSdsSecretConfigsCount() > 1) {
        f.note(cf + ".tls_certificate_sds_secret_configs", "only the first certificate is served");
      }
    } else if (common.getTlsCertificatesCount() > 0) {
      certFile = common.getTlsCertificates(0).getCertificateChain().getFilename();
      keyFile = common.getTlsCertificates(0).getPrivateKey().getFilename();
      if (certFile.isEmpty() || keyFile.isEmpty()) {
        f.fail(cf + ".tls_certificates[0]", "inline certificates are not served (expected: SDS or filename)");
        return null;
      }
    } else {
      f.fail(cf, "no certificate (expected: tls_certificate_sds_secret_configs or tls_certificates)");
      return null;
    }
    String caSecret = "";
    String caFile = "";
    if (common.hasValidationContextSdsSecretConfig()) {
      caSecret = common.getValidationContextSdsSecretConfig().getName();
    } else if (common.hasCombinedValidationContext()) {
      caSecret = common.getCombinedValidationContext().getValidationContextSdsSecretConfig().getName();
    } else if (common.hasValidationContext()) {
      caFile = common.getValidationContext().getTrustedCa().getFilename();
    }
    boolean require = ctx.hasRequireClientCertificate() && ctx.getRequireClientCertificate().getValue();
    if (require && caSecret.isEmpty() && caFile.isEmpty()) {
      f.fail(field + ".typed_config.require_client_certificate", "client certificates need a validation context");
    }
    String min = "TLSv1.2";
    if (common.hasTlsParams() && common.getTlsParams().getTlsMinimumProtocolVersion() == TlsParameters.TlsProtocol.TLSv1_3) {
      min = "TLSv1.3";
    }
    return new XListener.TlsChain(sni, certSecret, certFile, keyFile, caSecret, caFile, require, min);
  }
}
