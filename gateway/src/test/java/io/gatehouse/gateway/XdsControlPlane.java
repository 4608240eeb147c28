package io.gatehouse.gateway;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real xDS control plane for tests: Envoy's Java control plane ({@code SimpleCache} behind
 * {@code V3DiscoveryServer}) on a grpc-java server on 127.0.0.1, port 0, with builders for
 * resources shaped as istiod sends them to an ingress gateway (listener {@code 0.0.0.0_8080}, HCM
 * with RDS {@code http.8080}, {@code outbound|9080||…} EDS clusters with Istio's auto-mTLS socket
 * matches, ...). It records the nodes that connected and the requests they sent.
 */
final class XdsControlPlane implements AutoCloseable {
  final SimpleCache<String> cache = new SimpleCache<>(node -> "gateways");
  final List<io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
  /** The authorization header of each stream ("" when none). */
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final V3DiscoveryServer discovery;
  private final io.grpc.ServerCredentials credentials;
  private Server server;
  private int port;

  XdsControlPlane() {
    this(InsecureServerCredentials.create());
  }

  /** A control plane serving with {@code credentials} (TLS with a certificate from the mesh root, as istiod's 15012). */
  XdsControlPlane(io.grpc.ServerCredentials credentials) {
    this.credentials = credentials;
    discovery = new V3DiscoveryServer(new io.envoyproxy.controlplane.server.DiscoveryServerCallbacks() {
      @Override public void onV3StreamRequest(long streamId, io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest request) {
        requests.add(request);
      }

      @Override public void onV3StreamDeltaRequest(long streamId,
                                                   io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest request) {
      }
    }, cache);
    start(0);
  }

  private void start(int on) {
    try {
      server = NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", on), credentials)
          .addService(io.grpc.ServerInterceptors.intercept(discovery.getAggregatedDiscoveryServiceImpl(),
              new io.grpc.ServerInterceptor() {
                @Override public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call,
                    io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, A> next) {
                  String auth = headers.get(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER));
                  authorizations.add(auth == null ? "" : auth);
                  return next.startCall(call, headers);
                }
              })).build().start();
      port = server.getPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return port;
  }

  void set(Snapshot snapshot) {
    cache.setSnapshot("gateways", snapshot);
  }

  /** Stops serving, dropping every stream, as a crashed istiod would. */
  void stop() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Serves again on the same port. */
  void restart() {
    start(port);
  }

  /** The nodes the gateway presented (the first request of each stream carries it). */
  List<Node> nodes() {
    return requests.stream().filter(r -> r.hasNode()).map(r -> r.getNode()).toList();
  }

  @Override public void close() throws InterruptedException {
    stop();
  }

  static Snapshot snapshot(String version, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints,
                           List<Listener> listeners, List<RouteConfiguration> routes, List<Secret> secrets) {
    return Snapshot.create(clusters, endpoints, listeners, routes, secrets, version);
  }

  private static final ConfigSource ADS = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
      .setResourceApiVersion(io.envoyproxy.envoy.config.core.v3.ApiVersion.V3).build();

  /** An EDS cluster as istiod sends it: auto mTLS socket matches, unlimited circuit breakers, ROUND_ROBIN. */
  static Cluster edsCluster(String name) {
    UpstreamTlsContext mtls = UpstreamTlsContext.newBuilder().setSni(name).setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default"))
        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
            .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ROOTCA")))
        .addAlpnProtocols("istio-peer-exchange").addAlpnProtocols("istio")).build();
    UInt32Value max = UInt32Value.of(-1); // 4294967295, Istio's "no limit"
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS).setServiceName(name))
        .setConnectTimeout(Duration.newBuilder().setSeconds(10)).setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
        .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
            .setPriority(RoutingPriority.DEFAULT).setMaxConnections(max).setMaxPendingRequests(max)
            .setMaxRequests(max).setMaxRetries(max)))
        .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
            .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()))
            .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(mtls))))
        .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-disabled")
            .setMatch(Struct.getDefaultInstance())
            .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.raw_buffer")
                .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))))
        .build();
  }

  /** Istio's BlackHoleCluster: STATIC without endpoints; no route of a gateway uses it. */
  static Cluster blackHole() {
    return Cluster.newBuilder().setName("BlackHoleCluster").setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Duration.newBuilder().setSeconds(10)).build();
  }

  /** Endpoints on loopback ports, healthy, optionally with weights. */
  static ClusterLoadAssignment endpoints(String cluster, Map<Integer, Integer> portWeights) {
    LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
    portWeights.forEach((p, w) -> locality.addLbEndpoints(LbEndpoint.newBuilder().setHealthStatus(HealthStatus.HEALTHY)
        .setLoadBalancingWeight(UInt32Value.of(w))
        .setEndpoint(Endpoint.newBuilder().setAddress(address("127.0.0.1", p)))));
    return ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(locality).build();
  }

  static ClusterLoadAssignment endpoints(String cluster, int... ports) {
    Map<Integer, Integer> weights = new java.util.LinkedHashMap<>();
    for (int p : ports) {
      weights.put(p, 1);
    }
    return endpoints(cluster, weights);
  }

  static Address address(String ip, int port) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port)).build();
  }

  /** The HTTP filters istiod puts in a gateway's connection manager (the stats filter as its config type). */
  static List<HttpFilter> istioHttpFilters() {
    List<HttpFilter> filters = new ArrayList<>();
    filters.add(HttpFilter.newBuilder().setName("envoy.filters.http.cors").setTypedConfig(Any.pack(Cors.getDefaultInstance())).build());
    filters.add(HttpFilter.newBuilder().setName("envoy.filters.http.fault").setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())).build());
    filters.add(HttpFilter.newBuilder().setName("istio.stats").setTypedConfig(Any.newBuilder()
        .setTypeUrl("type.googleapis.com/stats.PluginConfig")).build());
    filters.add(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())).build());
    return filters;
  }

  /** Listener {@code name} on ip:port whose connection manager takes routes from RDS {@code rds}. */
  static Listener httpListener(String name, String ip, int port, String rds, List<HttpFilter> filters) {
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("outbound_" + name)
        .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName(rds)).addAllHttpFilters(filters)
        .setUseRemoteAddress(BoolValue.of(true)).build();
    return Listener.newBuilder().setName(name).setAddress(address(ip, port))
        .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
            .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))))
        .build();
  }

  /** An SDS secret with a certificate chain and key, inline as istiod sends a Gateway's credentialName. */
  static Secret certificate(String name, String chainPem, String keyPem) {
    return Secret.newBuilder().setName(name).setTlsCertificate(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate
        .newBuilder().setCertificateChain(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
            .setInlineBytes(com.google.protobuf.ByteString.copyFromUtf8(chainPem)))
        .setPrivateKey(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
            .setInlineBytes(com.google.protobuf.ByteString.copyFromUtf8(keyPem)))).build();
  }

  /** An SDS secret with a CA bundle ({@code validation_context.trusted_ca}). */
  static Secret trustedCa(String name, String caPem) {
    return Secret.newBuilder().setName(name).setValidationContext(
        io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.newBuilder()
            .setTrustedCa(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder().setInlineString(caPem))).build();
  }

  /** An HTTPS listener as istiod writes one for a Gateway server with credentialName: one chain per host set. */
  static Listener httpsListener(String name, String ip, int port, String rds, List<String> serverNames, String secret) {
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("outbound_" + name)
        .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName(rds)).addAllHttpFilters(istioHttpFilters()).build();
    io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext tls =
        io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.newBuilder()
            .setCommonTlsContext(CommonTlsContext.newBuilder().addAlpnProtocols("h2").addAlpnProtocols("http/1.1")
                .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName(secret).setSdsConfig(ADS)))
            .setRequireClientCertificate(BoolValue.of(false)).build();
    return Listener.newBuilder().setName(name).setAddress(address(ip, port))
        .addListenerFilters(io.envoyproxy.envoy.config.listener.v3.ListenerFilter.newBuilder()
            .setName("envoy.filters.listener.tls_inspector"))
        .addFilterChains(FilterChain.newBuilder()
            .setFilterChainMatch(io.envoyproxy.envoy.config.listener.v3.FilterChainMatch.newBuilder().addAllServerNames(serverNames))
            .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)))
            .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))))
        .build();
  }

  /** A TLS passthrough listener as istiod writes one for a PASSTHROUGH server: tcp_proxy per SNI name. */
  static Listener passthroughListener(String name, String ip, int port, Map<String, String> sniToCluster) {
    Listener.Builder l = Listener.newBuilder().setName(name).setAddress(address(ip, port))
        .addListenerFilters(io.envoyproxy.envoy.config.listener.v3.ListenerFilter.newBuilder()
            .setName("envoy.filters.listener.tls_inspector"));
    sniToCluster.forEach((sni, cluster) -> l.addFilterChains(FilterChain.newBuilder()
        .setFilterChainMatch(io.envoyproxy.envoy.config.listener.v3.FilterChainMatch.newBuilder().addServerNames(sni))
        .addFilters(Filter.newBuilder().setName("envoy.filters.network.tcp_proxy").setTypedConfig(Any.pack(
            io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.newBuilder()
                .setStatPrefix(cluster).setCluster(cluster).build())))));
    return l.build();
  }

  /** An EDS cluster whose endpoints speak TLS checked against the SDS CA bundle {@code caSecret}. */
  static Cluster tlsCluster(String name, String sni, String caSecret) {
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setSni(sni).setCommonTlsContext(CommonTlsContext.newBuilder()
        .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName(caSecret).setSdsConfig(ADS))).build();
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS).setServiceName(name))
        .setConnectTimeout(Duration.newBuilder().setSeconds(10))
        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)))
        .build();
  }

  /**
   * The SDS reference istiod writes for the agent's secrets (its ConstructSdsSecretConfig): the
   * pod's istio-agent over the {@code sds-grpc} cluster (a Unix socket), never the control plane.
   */
  static SdsSecretConfig agentSecret(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ConfigSource.newBuilder()
        .setApiConfigSource(io.envoyproxy.envoy.config.core.v3.ApiConfigSource.newBuilder()
            .setApiType(io.envoyproxy.envoy.config.core.v3.ApiConfigSource.ApiType.GRPC)
            .setSetNodeOnFirstMessageOnly(true).setTransportApiVersion(io.envoyproxy.envoy.config.core.v3.ApiVersion.V3)
            .addGrpcServices(io.envoyproxy.envoy.config.core.v3.GrpcService.newBuilder().setEnvoyGrpc(
                io.envoyproxy.envoy.config.core.v3.GrpcService.EnvoyGrpc.newBuilder().setClusterName("sds-grpc"))))
        .setResourceApiVersion(io.envoyproxy.envoy.config.core.v3.ApiVersion.V3)
        .setInitialFetchTimeout(Duration.getDefaultInstance())).build();
  }

  /**
   * An EDS cluster with a DestinationRule's {@code tls.mode: ISTIO_MUTUAL} as istiod renders it
   * for a router (cluster_tls.go): SDS {@code default} (the workload certificate) and
   * {@code ROOTCA} (the mesh root) from the agent, the expected SPIFFE ids as exact matchers in
   * the combined validation context, Istio's SNI and the in-mesh ALPN.
   */
  static Cluster istioMutualCluster(String name, String sni, String... spiffeIds) {
    io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.Builder sans =
        io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.newBuilder();
    for (String id : spiffeIds) {
      sans.addMatchSubjectAltNames(io.envoyproxy.envoy.type.matcher.v3.StringMatcher.newBuilder().setExact(id));
    }
    UpstreamTlsContext mtls = UpstreamTlsContext.newBuilder().setSni(sni).setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(agentSecret("default"))
        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
            .setDefaultValidationContext(sans).setValidationContextSdsSecretConfig(agentSecret("ROOTCA")))
        .addAlpnProtocols("istio-peer-exchange").addAlpnProtocols("istio").addAlpnProtocols("http/1.1")).build();
    return edsCluster(name).toBuilder().clearTransportSocketMatches()
        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(mtls)))
        .build();
  }

  /** A route as istiod writes one from a VirtualService: no timeout, Istio's default retries. */
  static Route route(String name, RouteMatch match, RouteAction.Builder action) {
    return Route.newBuilder().setName(name).setMatch(match).setRoute(action
        .setTimeout(Duration.getDefaultInstance())
        .setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")
            .setNumRetries(UInt32Value.of(2)).addRetriableStatusCodes(503)
            .setHostSelectionRetryMaxAttempts(5))).build();
  }

  static RouteMatch prefix(String p) {
    return RouteMatch.newBuilder().setPrefix(p).build();
  }

  static RouteMatch path(String p) {
    return RouteMatch.newBuilder().setPath(p).build();
  }

  static RouteAction.Builder to(String cluster) {
    return RouteAction.newBuilder().setCluster(cluster);
  }

  static RouteAction.Builder weighted(Map<String, Integer> weights) {
    WeightedCluster.Builder w = WeightedCluster.newBuilder();
    weights.forEach((c, weight) -> w.addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(c).setWeight(UInt32Value.of(weight))));
    return RouteAction.newBuilder().setWeightedClusters(w);
  }

  static RouteConfiguration routes(String name, List<String> domains, List<Route> routes) {
    return RouteConfiguration.newBuilder().setName(name).setValidateClusters(BoolValue.of(false))
        .addVirtualHosts(VirtualHost.newBuilder().setName(String.join(",", domains)).addAllDomains(domains).addAllRoutes(routes))
        .build();
  }
}
