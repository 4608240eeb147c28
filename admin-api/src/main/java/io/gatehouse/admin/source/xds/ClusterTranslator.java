package io.gatehouse.admin.source.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.gatehouse.routes.CircuitBreaker;
import io.gatehouse.routes.HashOn;
import io.gatehouse.routes.HealthCheck;
import io.gatehouse.routes.OutlierDetection;
import io.gatehouse.routes.RetryBudget;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.UpstreamTls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A CDS {@code Cluster} as an {@link XCluster}: EDS, STATIC and DNS clusters, the balancer, HTTP/2
 * to the endpoints, circuit breaker thresholds, outlier detection and upstream TLS (files or SDS
 * secrets; Istio mutual TLS, the agent's SDS secrets "default" and "ROOTCA", with its exact SPIFFE
 * ids). A cluster kind the gateway cannot serve (ORIGINAL_DST,
 * aggregate) is kept as unservable, not refused: Istio sends such clusters to every gateway.
 */
final class ClusterTranslator {
  static final String TLS_SOCKET = "envoy.transport_sockets.tls";
  private static final String HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  private ClusterTranslator() {}

  static XCluster translate(Cluster c, Findings f) {
    String unservable = "";
    String eds = "";
    List<Upstream.Endpoint> inline = new ArrayList<>();
    switch (c.getClusterDiscoveryTypeCase()) {
      case TYPE -> {
        switch (c.getType()) {
          case EDS -> eds = c.getEdsClusterConfig().getServiceName().isEmpty() ? c.getName()
              : c.getEdsClusterConfig().getServiceName();
          case STATIC, STRICT_DNS, LOGICAL_DNS -> inline.addAll(EndpointTranslator.translate(c.getLoadAssignment(),
              new Findings(XdsType.CDS, c.getName())).endpoints());
          default -> unservable = "cluster type " + c.getType() + " is not served (expected: EDS, STATIC, STRICT_DNS"
              + " or LOGICAL_DNS)";
        }
      }
      case CLUSTERDISCOVERYTYPE_NOT_SET -> eds = "";
      default -> unservable = "cluster type " + c.getClusterDiscoveryTypeCase() + " is not served";
    }
    if (c.getClusterDiscoveryTypeCase() == Cluster.ClusterDiscoveryTypeCase.CLUSTERDISCOVERYTYPE_NOT_SET) {
      inline.addAll(EndpointTranslator.translate(c.getLoadAssignment(), new Findings(XdsType.CDS, c.getName())).endpoints());
    }
    Upstream.LoadBalancer lb = switch (c.getLbPolicy()) {
      case LEAST_REQUEST -> Upstream.LoadBalancer.LEAST_REQUEST;
      case RANDOM -> Upstream.LoadBalancer.RANDOM;
      case ROUND_ROBIN -> Upstream.LoadBalancer.ROUND_ROBIN;
      default -> {
        f.note("lb_policy", c.getLbPolicy() + " is served as ROUND_ROBIN (hash policies are not translated)");
        yield Upstream.LoadBalancer.ROUND_ROBIN;
      }
    };
    if (c.getHealthChecksCount() > 0) {
      f.note("health_checks", "active health checks from xDS are not run; EDS health status is used");
    }
    XCluster.ClusterTls tls = XCluster.ClusterTls.NONE;
    if (c.hasTransportSocket()) {
      tls = tls(c.getTransportSocket(), "transport_socket", f, false);
    } else if (c.getTransportSocketMatchesCount() > 0) {
      tls = matches(c, f);
    }
    Upstream base = new Upstream(c.getName(), List.of(), lb, UpstreamTls.NONE, HashOn.NONE, HealthCheck.NONE,
        outlier(c), breaker(c), RetryBudget.DEFAULT, protocol(c, f));
    return new XCluster(c.getName(), base, eds, inline, tls, unservable);
  }

  /** Istio's auto mTLS: {@code tlsMode-istio} (TLS for endpoints labelled tlsMode: istio) and a plaintext default. */
  private static XCluster.ClusterTls matches(Cluster c, Findings f) {
    XCluster.ClusterTls tls = XCluster.ClusterTls.NONE;
    for (int i = 0; i < c.getTransportSocketMatchesCount(); i++) {
      Cluster.TransportSocketMatch m = c.getTransportSocketMatches(i);
      String field = "transport_socket_matches[" + i + "]";
      boolean istio = m.getMatch().getFieldsMap().containsKey("tlsMode")
          && "istio".equals(m.getMatch().getFieldsMap().get("tlsMode").getStringValue());
      if (istio && m.getTransportSocket().getName().equals(TLS_SOCKET)) {
        XCluster.ClusterTls t = tls(m.getTransportSocket(), field + ".transport_socket", f, true);
        tls = new XCluster.ClusterTls(t.enabled(), t.sni(), t.caSecret(), t.caFile(), t.certSecret(), t.certFile(),
            t.keyFile(), t.mesh(), true, t.subjectAltNames());
      } else if (m.getMatch().getFieldsCount() > 0 || m.getTransportSocket().getName().equals(TLS_SOCKET)) {
        f.fail(field, "transport socket match " + m.getName() + " is not served (expected: Istio's tlsMode-istio"
            + " and a plaintext default)");
      }
    }
    return tls;
  }

  static XCluster.ClusterTls tls(TransportSocket socket, String field, Findings f, boolean matchIstio) {
    if (socket.getName().equals("envoy.transport_sockets.raw_buffer")) {
      return XCluster.ClusterTls.NONE;
    }
    if (!socket.getTypedConfig().is(UpstreamTlsContext.class)) {
      f.fail(field, "transport socket " + socket.getName() + " is not served (expected: " + TLS_SOCKET + ")");
      return XCluster.ClusterTls.NONE;
    }
    UpstreamTlsContext ctx = unpack(socket.getTypedConfig(), UpstreamTlsContext.class, field + ".typed_config", f);
    if (ctx == null) {
      return XCluster.ClusterTls.NONE;
    }
    CommonTlsContext common = ctx.getCommonTlsContext();
    String certSecret = "";
    String certFile = "";
    String keyFile = "";
    if (common.getTlsCertificateSdsSecretConfigsCount() > 0) {
      certSecret = sds(common.getTlsCertificateSdsSecretConfigs(0), field, f);
    } else if (common.getTlsCertificatesCount() > 0) {
      var cert = common.getTlsCertificates(0);
      certFile = cert.getCertificateChain().getFilename();
      keyFile = cert.getPrivateKey().getFilename();
      if (certFile.isEmpty() || keyFile.isEmpty()) {
        f.fail(field + ".common_tls_context.tls_certificates[0]", "inline certificates are not served (use SDS or files)");
      }
    }
    String caSecret = "";
    String caFile = "";
    boolean agentSecrets = !certSecret.isEmpty() && !ads(common.getTlsCertificateSdsSecretConfigs(0));
    CertificateValidationContext validation = null;
    String validationField = field + ".typed_config.common_tls_context.";
    if (common.hasValidationContextSdsSecretConfig()) {
      caSecret = sds(common.getValidationContextSdsSecretConfig(), field, f);
      agentSecrets &= !ads(common.getValidationContextSdsSecretConfig());
    } else if (common.hasCombinedValidationContext()) {
      var combined = common.getCombinedValidationContext();
      caSecret = sds(combined.getValidationContextSdsSecretConfig(), field, f);
      agentSecrets &= !ads(combined.getValidationContextSdsSecretConfig());
      validation = combined.getDefaultValidationContext();
      validationField += "combined_validation_context.default_validation_context.";
    } else if (common.hasValidationContext()) {
      caFile = common.getValidationContext().getTrustedCa().getFilename();
      validation = common.getValidationContext();
      validationField += "validation_context.";
    }
    // Istio mutual TLS: the workload certificate and the mesh root, as the SDS secrets "default"
    // and "ROOTCA" that the pod's istio-agent serves (sds_config: its sds-grpc cluster), never
    // the control plane itself (sds_config: ads).
    boolean mesh = certSecret.equals(MESH_CERT) && caSecret.equals(MESH_ROOT) && agentSecrets;
    List<String> sans = List.of();
    if (validation != null) {
      sans = subjectAltNames(validation, validationField, f, mesh);
    }
    return new XCluster.ClusterTls(true, ctx.getSni(), caSecret, caFile, certSecret, certFile, keyFile, mesh, matchIstio,
        sans);
  }

  /** The SDS secret of the workload certificate an Istio agent serves (Istio's SDSDefaultResourceName). */
  static final String MESH_CERT = "default";
  /** The SDS secret of the mesh root an Istio agent serves (Istio's SDSRootResourceName). */
  static final String MESH_ROOT = "ROOTCA";

  private static boolean ads(SdsSecretConfig config) {
    return config.hasSdsConfig() && config.getSdsConfig().hasAds();
  }

  /**
   * The names an upstream's certificate must carry one of. Istio mutual TLS ({@code mesh}): SPIFFE
   * ids, which istiod writes as exact matchers ({@code match_subject_alt_names}, its
   * StringToExactMatch; newer control planes a typed URI matcher). Other TLS: exact names, checked
   * as Envoy checks {@code match_subject_alt_names}, against the certificate's DNS (its wildcards
   * too), URI and IP SANs. Any other matcher (prefix, suffix, regex, contains, an e-mail SAN, a
   * non-SPIFFE name for the mesh) is refused: serving it would accept names the control plane did
   * not list, or refuse ones it did.
   */
  private static List<String> subjectAltNames(CertificateValidationContext v, String field, Findings f, boolean mesh) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.getMatchSubjectAltNamesCount(); i++) {
      exact(v.getMatchSubjectAltNames(i), field + "match_subject_alt_names[" + i + "]", f, mesh).ifPresent(out::add);
    }
    for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
      SubjectAltNameMatcher m = v.getMatchTypedSubjectAltNames(i);
      String at = field + "match_typed_subject_alt_names[" + i + "]";
      SubjectAltNameMatcher.SanType type = m.getSanType();
      if (mesh && type != SubjectAltNameMatcher.SanType.URI) {
        f.fail(at + ".san_type", type + " is not served for Istio mutual TLS (expected: URI, a SPIFFE id)");
      } else if (!mesh && type != SubjectAltNameMatcher.SanType.DNS && type != SubjectAltNameMatcher.SanType.URI
          && type != SubjectAltNameMatcher.SanType.IP_ADDRESS) {
        f.fail(at + ".san_type", type + " SANs are not served (expected: DNS, URI or IP_ADDRESS)");
      } else {
        exact(m.getMatcher(), at + ".matcher", f, mesh).ifPresent(out::add);
      }
    }
    return out;
  }

  private static java.util.Optional<String> exact(StringMatcher m, String field, Findings f, boolean mesh) {
    return mesh ? exactSpiffe(m, field, f) : exactName(m, field, f);
  }

  private static java.util.Optional<String> exactName(StringMatcher m, String field, Findings f) {
    if (m.getMatchPatternCase() != StringMatcher.MatchPatternCase.EXACT) {
      f.fail(field + "." + m.getMatchPatternCase().name().toLowerCase(java.util.Locale.ROOT), "a "
          + m.getMatchPatternCase().name().toLowerCase(java.util.Locale.ROOT) + " matcher is not served for upstream"
          + " certificate names (expected: exact names)");
      return java.util.Optional.empty();
    }
    if (m.getExact().isBlank()) {
      f.fail(field + ".exact", "an empty name matches no certificate");
      return java.util.Optional.empty();
    }
    if (m.getIgnoreCase()) {
      f.fail(field + ".ignore_case", "case-insensitive certificate names are not served (DNS names already match without case)");
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(m.getExact());
  }

  private static java.util.Optional<String> exactSpiffe(StringMatcher m, String field, Findings f) {
    if (m.getMatchPatternCase() != StringMatcher.MatchPatternCase.EXACT) {
      f.fail(field + "." + m.getMatchPatternCase().name().toLowerCase(java.util.Locale.ROOT), "a "
          + m.getMatchPatternCase().name().toLowerCase(java.util.Locale.ROOT) + " matcher is not served for Istio mutual TLS"
          + " (expected: exact SPIFFE ids, as istiod writes them)");
      return java.util.Optional.empty();
    }
    if (m.getIgnoreCase()) {
      f.fail(field + ".ignore_case", "case-insensitive identities are not served for Istio mutual TLS");
      return java.util.Optional.empty();
    }
    if (!m.getExact().startsWith("spiffe://")) {
      f.fail(field + ".exact", "\"" + m.getExact() + "\" is not a SPIFFE id (expected: spiffe://TRUST_DOMAIN/ns/NS/sa/SA;"
          + " Istio mutual TLS checks the upstream's SPIFFE id only)");
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(m.getExact());
  }

  private static String sds(SdsSecretConfig config, String field, Findings f) {
    return config.getName();
  }

  private static Upstream.Protocol protocol(Cluster c, Findings f) {
    if (c.hasHttp2ProtocolOptions()) {
      return Upstream.Protocol.HTTP2;
    }
    Any options = c.getTypedExtensionProtocolOptionsMap().get(HTTP_OPTIONS);
    if (options == null) {
      return Upstream.Protocol.HTTP1;
    }
    HttpProtocolOptions http = unpack(options, HttpProtocolOptions.class,
        "typed_extension_protocol_options[" + HTTP_OPTIONS + "]", f);
    if (http != null && http.hasExplicitHttpConfig() && http.getExplicitHttpConfig().hasHttp2ProtocolOptions()) {
      return Upstream.Protocol.HTTP2;
    }
    if (http != null && http.hasUseDownstreamProtocolConfig()) {
      f.note("typed_extension_protocol_options", "use_downstream_protocol_config is served as HTTP/1.1 upstream");
    }
    return Upstream.Protocol.HTTP1;
  }

  private static CircuitBreaker breaker(Cluster c) {
    if (!c.hasCircuitBreakers()) {
      return CircuitBreaker.DEFAULT;
    }
    for (CircuitBreakers.Thresholds t : c.getCircuitBreakers().getThresholdsList()) {
      if (t.getPriority() == RoutingPriority.DEFAULT) {
        return new CircuitBreaker(
            t.hasMaxConnections() ? connections(t.getMaxConnections().getValue()) : CircuitBreaker.DEFAULT.maxConnections(),
            t.hasMaxPendingRequests() ? clamp(t.getMaxPendingRequests().getValue()) : CircuitBreaker.DEFAULT.maxPendingRequests(),
            t.hasMaxRequests() ? clamp(t.getMaxRequests().getValue()) : CircuitBreaker.DEFAULT.maxRequests());
      }
    }
    return CircuitBreaker.DEFAULT;
  }

  /**
   * The connection pool is sized by this limit, so "no limit" (Istio's 4294967295, anything past a
   * million) is the native default, {@value CircuitBreaker#DEFAULT_MAX_CONNECTIONS} per upstream.
   */
  private static int connections(int uint32) {
    return uint32 < 0 || uint32 > 1_000_000 ? CircuitBreaker.DEFAULT_MAX_CONNECTIONS : uint32;
  }

  /** xDS thresholds are uint32 (Istio sends 4294967295 for "no limit"). */
  private static int clamp(int uint32) {
    return uint32 < 0 ? CircuitBreaker.UNLIMITED : uint32;
  }

  private static OutlierDetection outlier(Cluster c) {
    if (!c.hasOutlierDetection()) {
      return OutlierDetection.NONE;
    }
    var o = c.getOutlierDetection();
    OutlierDetection d = OutlierDetection.DEFAULT;
    int errors = o.hasConsecutive5Xx() ? o.getConsecutive5Xx().getValue()
        : o.hasConsecutiveGatewayFailure() ? o.getConsecutiveGatewayFailure().getValue() : d.consecutiveErrors();
    Duration base = o.hasBaseEjectionTime() ? RouteTranslator.duration(o.getBaseEjectionTime()) : d.baseEjectionTime();
    int percent = o.hasMaxEjectionPercent() ? o.getMaxEjectionPercent().getValue() : d.maxEjectionPercent();
    return errors <= 0 ? OutlierDetection.NONE : new OutlierDetection(true, errors, base, Math.min(100, percent));
  }

  static <T extends com.google.protobuf.Message> T unpack(Any any, Class<T> type, String field, Findings f) {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      f.fail(field, "cannot be read as " + type.getSimpleName() + ": " + e.getMessage());
      return null;
    }
  }
}
