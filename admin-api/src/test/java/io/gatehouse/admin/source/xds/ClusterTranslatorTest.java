package io.gatehouse.admin.source.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.UpstreamTls;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Upstream TLS from CDS, above all Istio mutual TLS as istiod renders it for a router
 * (cluster_tls.go, ISTIO_MUTUAL): SDS secrets {@code default} and {@code ROOTCA} from the agent's
 * {@code sds-grpc} cluster, exact SPIFFE ids in the combined validation context, Istio's SNI and
 * in-mesh ALPN. It becomes a {@code mode: MESH} upstream when the config has a meshIdentity.
 */
class ClusterTranslatorTest {
  static final String CLUSTER = "outbound|9080||reviews.bookinfo.svc.cluster.local";
  static final String SNI = "outbound_.9080_._.reviews.bookinfo.svc.cluster.local";
  static final String REVIEWS = "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews";

  /** Istio's ConstructSdsSecretConfig: the agent's SDS over the sds-grpc cluster, V3, no initial fetch timeout. */
  static SdsSecretConfig agentSecret(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ConfigSource.newBuilder()
        .setApiConfigSource(ApiConfigSource.newBuilder().setApiType(ApiConfigSource.ApiType.GRPC)
            .setSetNodeOnFirstMessageOnly(true).setTransportApiVersion(ApiVersion.V3)
            .addGrpcServices(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName("sds-grpc"))))
        .setResourceApiVersion(ApiVersion.V3).setInitialFetchTimeout(com.google.protobuf.Duration.getDefaultInstance()))
        .build();
  }

  static UpstreamTlsContext istioMutual(String sni, CertificateValidationContext sans) {
    return UpstreamTlsContext.newBuilder().setSni(sni).setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(agentSecret("default"))
        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
            .setDefaultValidationContext(sans).setValidationContextSdsSecretConfig(agentSecret("ROOTCA")))
        .addAlpnProtocols("istio-peer-exchange").addAlpnProtocols("istio").addAlpnProtocols("http/1.1")).build();
  }

  static CertificateValidationContext exact(String... ids) {
    CertificateValidationContext.Builder v = CertificateValidationContext.newBuilder();
    for (String id : ids) {
      v.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(id));
    }
    return v.build();
  }

  static Cluster staticCluster(String name, UpstreamTlsContext tls) {
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
        .setLoadAssignment(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.newBuilder().setClusterName(name)
            .addEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints.newBuilder().addLbEndpoints(
                io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint.newBuilder().setEndpoint(
                    io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder().setAddress(
                        io.envoyproxy.envoy.config.core.v3.Address.newBuilder().setSocketAddress(
                            io.envoyproxy.envoy.config.core.v3.SocketAddress.newBuilder().setAddress("10.0.0.7")
                                .setPortValue(9080)))))))
        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)))
        .build();
  }

  private static XdsAssembly.Result assemble(Cluster cluster, boolean meshIdentity) {
    Findings f = new Findings(XdsType.CDS, cluster.getName());
    XCluster c = ClusterTranslator.translate(cluster, f);
    assertEquals(List.of(), f.problems());
    Map<String, XListener> listeners = Map.of("l", new XListener("l", "0.0.0.0", 8080,
        io.gatehouse.routes.Listener.Protocol.HTTP, false, List.of("http.8080"), List.of(), List.of()));
    var config = io.envoyproxy.envoy.config.route.v3.RouteConfiguration.newBuilder().setName("http.8080")
        .addVirtualHosts(io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName("vh").addDomains("*")
            .addRoutes(io.envoyproxy.envoy.config.route.v3.Route.newBuilder().setName("reviews")
                .setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster(cluster.getName()))))
        .build();
    Map<String, List<io.gatehouse.routes.Route>> routes = Map.of("http.8080",
        RouteTranslator.translate(config, new Findings(XdsType.RDS, "http.8080")));
    return XdsAssembly.assemble(new XdsAssembly.Resources(listeners, routes, Map.of(cluster.getName(), c), new HashMap<>(),
        Map.of(), true, true, meshIdentity));
  }

  @Test
  void istioMutualBecomesAMeshUpstreamWithTheClustersIdentitiesAndSni() {
    var r = assemble(staticCluster(CLUSTER, istioMutual(SNI, exact(REVIEWS, "spiffe://cluster.local/ns/bookinfo/sa/reviews-v2"))), true);
    Upstream u = r.fragment().orElseThrow().upstreams().get(0);
    assertEquals(UpstreamTls.mesh(SNI, List.of(REVIEWS, "spiffe://cluster.local/ns/bookinfo/sa/reviews-v2")), u.tls());
    assertEquals(java.util.Set.of(), r.sds(), "the agent's secrets are the gateway's own identity, not asked of the control plane");
    assertTrue(r.fragment().orElseThrow().routes().get(0).action() instanceof Action.Forward);
  }

  @Test
  void typedUriMatchersAreTheIdentitiesToo() {
    CertificateValidationContext typed = CertificateValidationContext.newBuilder().addMatchTypedSubjectAltNames(
        SubjectAltNameMatcher.newBuilder().setSanType(SubjectAltNameMatcher.SanType.URI)
            .setMatcher(StringMatcher.newBuilder().setExact(REVIEWS))).build();
    var r = assemble(staticCluster(CLUSTER, istioMutual(SNI, typed)), true);
    assertEquals(List.of(REVIEWS), r.fragment().orElseThrow().upstreams().get(0).tls().subjectAltNames());
  }

  @Test
  void withoutMeshIdentityTheRouteAnswers503AndSaysWhatToAdd() {
    var r = assemble(staticCluster(CLUSTER, istioMutual(SNI, exact(REVIEWS))), false);
    var fragment = r.fragment().orElseThrow();
    assertEquals(List.of(), fragment.upstreams());
    // A route to no cluster: the gateway answers it with its own 503 cluster_not_found.
    assertEquals(new Action.Forward(List.of()), fragment.routes().get(0).action());
    assertEquals(1, r.notes().size(), r.notes().toString());
    assertTrue(r.notes().get(0).contains("cluster " + CLUSTER + " is not served: Istio mutual TLS (ISTIO_MUTUAL) needs"
        + " the gateway's own workload certificate: add a meshIdentity block"), r.notes().get(0));
  }

  @Test
  void autoMtlsSocketMatchesAreMeshForEndpointsLabelledIstio() {
    Cluster c = Cluster.newBuilder(staticCluster(CLUSTER, istioMutual(SNI, exact(REVIEWS)))).clearTransportSocket()
        .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
            .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()))
            .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(istioMutual(SNI, exact(REVIEWS))))))
        .build();
    XCluster x = ClusterTranslator.translate(c, new Findings(XdsType.CDS, CLUSTER));
    assertTrue(x.tls().mesh() && x.tls().matchIstio());
    assertEquals(List.of(REVIEWS), x.tls().subjectAltNames());
    assertEquals("", x.unservable());
  }

  @Test
  void otherIdentityMatchersAreRefusedNamingTheField() {
    CertificateValidationContext v = CertificateValidationContext.newBuilder()
        .addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(REVIEWS))
        .addMatchSubjectAltNames(StringMatcher.newBuilder().setPrefix("spiffe://cluster.local/ns/bookinfo/"))
        .addMatchSubjectAltNames(StringMatcher.newBuilder().setExact("reviews.bookinfo.svc"))
        .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder().setSanType(SubjectAltNameMatcher.SanType.DNS)
            .setMatcher(StringMatcher.newBuilder().setExact("reviews.bookinfo.svc")))
        .build();
    Findings f = new Findings(XdsType.CDS, CLUSTER);
    ClusterTranslator.translate(staticCluster(CLUSTER, istioMutual(SNI, v)), f);
    String at = "Cluster \"" + CLUSTER + "\": transport_socket.typed_config.common_tls_context.combined_validation_context"
        + ".default_validation_context.";
    assertEquals(List.of(
        at + "match_subject_alt_names[1].prefix: a prefix matcher is not served for Istio mutual TLS (expected: exact SPIFFE"
            + " ids, as istiod writes them)",
        at + "match_subject_alt_names[2].exact: \"reviews.bookinfo.svc\" is not a SPIFFE id (expected:"
            + " spiffe://TRUST_DOMAIN/ns/NS/sa/SA; Istio mutual TLS checks the upstream's SPIFFE id only)",
        at + "match_typed_subject_alt_names[0].san_type: DNS is not served for Istio mutual TLS (expected: URI, a SPIFFE id)"),
        f.problems());
  }

  @Test
  void secretsNamedLikeTheAgentsButServedByTheControlPlaneAreOrdinarySds() {
    ConfigSource ads = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setSni("reviews.example.com").setCommonTlsContext(
        CommonTlsContext.newBuilder()
            .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default").setSdsConfig(ads))
            .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ROOTCA").setSdsConfig(ads))))
        .build();
    XCluster x = ClusterTranslator.translate(staticCluster(CLUSTER, tls), new Findings(XdsType.CDS, CLUSTER));
    assertFalse(x.tls().mesh());
    assertEquals(java.util.Set.of("ROOTCA", "default"), x.tls().secrets());
  }

  @Test
  void aTlsClustersNamesAreCheckedExactlyAndOtherMatchersRefused() {
    UpstreamTlsContext ok = UpstreamTlsContext.newBuilder().setSni("reviews.example.com").setCommonTlsContext(
        CommonTlsContext.newBuilder().setValidationContext(CertificateValidationContext.newBuilder()
            .setTrustedCa(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder().setFilename("/etc/ca.pem"))
            .addMatchSubjectAltNames(StringMatcher.newBuilder().setExact("reviews.example.com"))
            .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder().setSanType(SubjectAltNameMatcher.SanType.URI)
                .setMatcher(StringMatcher.newBuilder().setExact("spiffe://example.com/reviews")))))
        .build();
    Findings f = new Findings(XdsType.CDS, CLUSTER);
    XCluster x = ClusterTranslator.translate(staticCluster(CLUSTER, ok), f);
    assertFalse(x.tls().mesh());
    assertEquals(List.of("reviews.example.com", "spiffe://example.com/reviews"), x.tls().subjectAltNames());
    assertEquals(List.of(), f.problems());

    UpstreamTlsContext loose = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .setValidationContext(CertificateValidationContext.newBuilder()
            .addMatchSubjectAltNames(StringMatcher.newBuilder().setSuffix(".example.com"))
            .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder().setSanType(SubjectAltNameMatcher.SanType.EMAIL)
                .setMatcher(StringMatcher.newBuilder().setExact("ops@example.com")))))
        .build();
    Findings g = new Findings(XdsType.CDS, CLUSTER);
    ClusterTranslator.translate(staticCluster(CLUSTER, loose), g);
    String at = "Cluster \"" + CLUSTER + "\": transport_socket.typed_config.common_tls_context.validation_context.";
    assertEquals(List.of(
        at + "match_subject_alt_names[0].suffix: a suffix matcher is not served for upstream certificate names"
            + " (expected: exact names)",
        at + "match_typed_subject_alt_names[0].san_type: EMAIL SANs are not served (expected: DNS, URI or IP_ADDRESS)"),
        g.problems());
  }
}
