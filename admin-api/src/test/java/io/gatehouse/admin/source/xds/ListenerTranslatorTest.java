package io.gatehouse.admin.source.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.gatehouse.routes.Action;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LDS listeners: the protocol their filter chains make, and the filters that are refused or noted. */
class ListenerTranslatorTest {
  private static Listener.Builder listener(int port) {
    return Listener.newBuilder().setName("0.0.0.0_" + port).setAddress(Address.newBuilder().setSocketAddress(
        SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(port)));
  }

  private static Filter hcm(String rds, String... filters) {
    HttpConnectionManager.Builder h = HttpConnectionManager.newBuilder().setRds(Rds.newBuilder().setRouteConfigName(rds));
    for (String f : filters) {
      h.addHttpFilters(HttpFilter.newBuilder().setName(f));
    }
    return Filter.newBuilder().setName(ListenerTranslator.HCM).setTypedConfig(Any.pack(h.build())).build();
  }

  @Test
  void anHttpListenerBindsItsSocketAddressAndNamesItsRds() {
    Findings f = new Findings(XdsType.LDS, "0.0.0.0_8080");
    XListener l = ListenerTranslator.translate(listener(8080).addFilterChains(FilterChain.newBuilder()
        .addFilters(hcm("http.8080", "istio.stats", "envoy.filters.http.router"))).build(), f);
    assertEquals(List.of(), f.problems());
    assertEquals(io.gatehouse.routes.Listener.Protocol.HTTP, l.protocol());
    assertEquals("0.0.0.0", l.address());
    assertEquals(8080, l.port());
    assertEquals(List.of("http.8080"), l.rds());
    assertTrue(f.notes().get(0).contains("http_filters[0]: istio.stats ignored"), f.notes().toString());
  }

  @Test
  void anUnknownHttpFilterRefusesTheListenerNamingTheField() {
    Findings f = new Findings(XdsType.LDS, "0.0.0.0_8080");
    ListenerTranslator.translate(listener(8080).addFilterChains(FilterChain.newBuilder()
        .addFilters(hcm("http.8080", "envoy.filters.http.wasm", "envoy.filters.http.router"))).build(), f);
    assertEquals(1, f.problems().size());
    assertTrue(f.problems().get(0).startsWith("Listener \"0.0.0.0_8080\": filter_chains[0].filters[0].typed_config"
        + ".http_filters[0].name: HTTP filter envoy.filters.http.wasm"), f.problems().get(0));
  }

  @Test
  void tlsChainsMakeAnHttpsListenerWithACertificatePerSni() {
    DownstreamTlsContext tls = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("kubernetes://bookinfo-credential"))).build();
    Findings f = new Findings(XdsType.LDS, "0.0.0.0_8443");
    XListener l = ListenerTranslator.translate(listener(8443).addFilterChains(FilterChain.newBuilder()
        .setFilterChainMatch(FilterChainMatch.newBuilder().addServerNames("bookinfo.example.com"))
        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)))
        .addFilters(hcm("https.443"))).build(), f);
    assertEquals(List.of(), f.problems());
    assertEquals(io.gatehouse.routes.Listener.Protocol.HTTPS, l.protocol());
    assertEquals(List.of("bookinfo.example.com"), l.tls().get(0).hosts());
    assertEquals("kubernetes://bookinfo-credential", l.tls().get(0).certSecret());
  }

  @Test
  void tcpProxyChainsBySniMakeAPassthroughListener() {
    Findings f = new Findings(XdsType.LDS, "0.0.0.0_443");
    XListener l = ListenerTranslator.translate(listener(443).addFilterChains(FilterChain.newBuilder()
        .setFilterChainMatch(FilterChainMatch.newBuilder().addServerNames("secure.example.com"))
        .addFilters(Filter.newBuilder().setName(ListenerTranslator.TCP_PROXY).setTypedConfig(Any.pack(TcpProxy.newBuilder()
            .setStatPrefix("s").setCluster("outbound|443||secure.example.com").build())))).build(), f);
    assertEquals(List.of(), f.problems());
    assertEquals(io.gatehouse.routes.Listener.Protocol.TLS_PASSTHROUGH, l.protocol());
    assertEquals(List.of("secure.example.com"), l.routes().get(0).hosts());
    assertEquals(new Action.Forward(List.of(new Action.Backend("outbound|443||secure.example.com", 1))), l.routes().get(0).action());
  }

  @Test
  void mixingHttpAndTcpProxyChainsIsRefused() {
    Findings f = new Findings(XdsType.LDS, "0.0.0.0_80");
    ListenerTranslator.translate(listener(80).addFilterChains(FilterChain.newBuilder().addFilters(hcm("http.80")))
        .addFilterChains(FilterChain.newBuilder().setFilterChainMatch(FilterChainMatch.newBuilder().addServerNames("a"))
            .addFilters(Filter.newBuilder().setName(ListenerTranslator.TCP_PROXY).setTypedConfig(Any.pack(TcpProxy.newBuilder()
                .setCluster("c").build())))).build(), f);
    assertTrue(f.problems().stream().anyMatch(p -> p.contains("filter_chains: a listener needs HTTP connection managers or"
        + " tcp_proxy filters, not both")), f.problems().toString());
  }
}
