package io.gatehouse.routes.load;

import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.UpstreamTls;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads {@code upstreams}: unique names, {@code host:port} endpoints (with their workloads), balancer, TLS origination, traffic policy. */
final class UpstreamReader {
  private static final Set<String> KEYS = Set.of("name", "endpoints", "loadBalancer", "tls", "protocol",
      "hashOn", "healthCheck", "outlierDetection", "circuitBreaker", "retryBudget");
  private static final Set<String> TLS_KEYS = Set.of("mode", "sni", "caCert", "clientCert", "clientKey", "verifyHostname",
      "subjectAltNames");

  private static final Set<String> ENDPOINT_KEYS = Set.of("address", "workload");
  private static final Set<String> WORKLOAD_KEYS = Set.of("name", "namespace", "app", "version", "serviceAccount",
      "identity", "cluster");
  private static final java.util.regex.Pattern KUBERNETES_NAME = java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

  private final Problems problems;
  private final Names names;

  UpstreamReader(Problems problems) {
    this.problems = problems;
    this.names = Names.of("upstream", problems);
  }

  List<Upstream> read(List<Located> items) {
    List<Upstream> out = new ArrayList<>();
    for (Located item : items) {
      Fields.of(item.node(), "upstream", problems, KEYS).ifPresent(f -> out.add(upstream(f, item)));
    }
    return out;
  }

  private Upstream upstream(Fields raw, Located item) {
    String name = names.claim(raw);
    Fields f = name.isEmpty() ? raw : raw.as("upstream " + name);
    List<Upstream.Endpoint> endpoints = new ArrayList<>();
    for (Node node : f.list("endpoints")) {
      endpoint(name, node).ifPresent(endpoints::add);
    }
    if (!f.has("endpoints")) {
      problems.add(f.origin(), "upstream " + Fields.quote(name) + ": \"endpoints\" is required (a list of HOST:PORT)");
    } else if (f.list("endpoints").isEmpty() && f.node("endpoints") instanceof Node.Sequence) {
      problems.add(f.origin("endpoints"), "upstream " + Fields.quote(name) + ": \"endpoints\" is empty");
    }
    Upstream.LoadBalancer lb = f.enumValue("loadBalancer", Upstream.LoadBalancer.class, Upstream.LoadBalancer.ROUND_ROBIN);
    UpstreamTls tls = f.nested("tls", "upstream " + name + " tls", TLS_KEYS).map(t -> tls(t, item)).orElse(UpstreamTls.NONE);
    Upstream.Protocol protocol = f.enumValue("protocol", Upstream.Protocol.class, Upstream.Protocol.HTTP1);
    return new Upstream(name, endpoints, lb, tls, UpstreamPolicyReader.hashOn(f, lb), UpstreamPolicyReader.healthCheck(f),
        UpstreamPolicyReader.outlierDetection(f), UpstreamPolicyReader.circuitBreaker(f), UpstreamPolicyReader.retryBudget(f), protocol);
  }

  /**
   * One entry of {@code endpoints}: {@code "HOST:PORT"}, or a mapping with that {@code address} and
   * the {@code workload} behind it.
   */
  private Optional<Upstream.Endpoint> endpoint(String upstream, Node node) {
    if (node instanceof Node.Mapping) {
      String what = "upstream " + Fields.quote(upstream) + " endpoint";
      Optional<Fields> fields = Fields.of(node, what, problems, ENDPOINT_KEYS);
      if (fields.isEmpty()) {
        return Optional.empty();
      }
      Fields e = fields.get();
      if (!e.has("address")) {
        problems.add(e.origin(), what + ": \"address\" is required (HOST:PORT)");
        return Optional.empty();
      }
      Optional<Upstream.Endpoint> address = address(upstream, e.node("address"));
      Upstream.Workload workload = e.nested("workload", what + " workload", WORKLOAD_KEYS).map(this::workload)
          .orElse(Upstream.Workload.NONE);
      return address.map(a -> new Upstream.Endpoint(a.host(), a.port(), workload));
    }
    return address(upstream, node);
  }

  private Optional<Upstream.Endpoint> address(String upstream, Node node) {
    String text = node instanceof Node.Scalar s ? s.text() : null;
    Optional<Upstream.Endpoint> endpoint = text == null ? Optional.empty() : Values.endpoint(text);
    if (endpoint.isEmpty()) {
      problems.add(node.origin(), "upstream " + Fields.quote(upstream) + ": endpoint " + Fields.describe(node)
          + " is not valid (expected HOST:PORT or [IPv6]:PORT, port 1..65535, or { address: HOST:PORT, workload: {...} })");
    }
    return endpoint;
  }

  /** The workload behind an endpoint: names as Kubernetes writes them, the identity a SPIFFE id. */
  private Upstream.Workload workload(Fields w) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String key : List.of("name", "namespace", "app", "version", "serviceAccount", "identity", "cluster")) {
      values.put(key, w.string(key, ""));
    }
    for (String key : List.of("name", "namespace", "serviceAccount")) {
      String value = values.get(key);
      if (!value.isEmpty() && !KUBERNETES_NAME.matcher(value).matches()) {
        problems.add(w.origin(key), w.what() + "." + key + ": " + Fields.quote(value)
            + " is not a Kubernetes name (lower-case letters, digits, '-' and '.')");
      }
    }
    String identity = values.get("identity");
    if (!identity.isEmpty() && (!identity.startsWith("spiffe://") || identity.length() == "spiffe://".length())) {
      problems.add(w.origin("identity"), w.what() + ".identity: " + Fields.quote(identity)
          + " is not a SPIFFE id (expected spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT)");
    }
    if (!values.get("serviceAccount").isEmpty() && values.get("namespace").isEmpty()) {
      problems.add(w.origin("serviceAccount"), w.what() + ".serviceAccount: needs the workload's namespace"
          + " (its SPIFFE id is spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT)");
    }
    return new Upstream.Workload(values.get("name"), values.get("namespace"), values.get("app"), values.get("version"),
        values.get("serviceAccount"), identity, values.get("cluster"));
  }

  private UpstreamTls tls(Fields t, Located item) {
    String mode = t.string("mode", "SIMPLE");
    if (mode.equals("MESH")) {
      return meshTls(t);
    }
    if (!mode.equals("SIMPLE")) {
      problems.add(t.origin("mode"), t.what() + ".mode: " + Fields.quote(mode)
          + " is not a TLS mode (expected SIMPLE (files; MUTUAL with clientCert) or MESH (the workload identity))");
    }
    List<String> names = t.strings("subjectAltNames");
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (name.isBlank() || name.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
        problems.add(t.list("subjectAltNames").get(i).origin(), t.what() + ".subjectAltNames: " + Fields.quote(name)
            + " is not a certificate name (a DNS name, URI or IP address)");
      }
    }
    if (!names.isEmpty() && t.has("verifyHostname")) {
      problems.add(t.origin("verifyHostname"), t.what() + ".verifyHostname: not with subjectAltNames (the names"
          + " listed are what the upstream's certificate is checked for, instead of the host name)");
    }
    String ca = file(t, "caCert", item);
    String cert = file(t, "clientCert", item);
    String key = file(t, "clientKey", item);
    if (cert.isEmpty() != key.isEmpty()) {
      problems.add(t.origin(), t.what() + ": clientCert and clientKey go together (one is missing)");
    }
    String sni = t.string("sni", "");
    if (!sni.isEmpty() && !Values.isHostName(Values.normaliseHost(sni))) {
      problems.add(t.origin("sni"), t.what() + ".sni: " + Fields.quote(sni) + " is not a host name");
    }
    return new UpstreamTls(true, Values.normaliseHost(sni), ca, cert, key, names.isEmpty() && t.bool("verifyHostname", true),
        false, names);
  }

  /** ISTIO_MUTUAL: the workload certificate and the mesh root, checked against the expected SPIFFE ids. */
  private UpstreamTls meshTls(Fields t) {
    for (String key : List.of("caCert", "clientCert", "clientKey", "verifyHostname")) {
      if (t.has(key)) {
        problems.add(t.origin(key), t.what() + "." + key + ": not with mode: MESH (the workload certificate from"
            + " meshIdentity and the mesh root are used; name the upstream's identities in subjectAltNames)");
      }
    }
    List<String> sans = t.strings("subjectAltNames");
    for (int i = 0; i < sans.size(); i++) {
      if (!sans.get(i).startsWith("spiffe://") || sans.get(i).length() == "spiffe://".length()) {
        problems.add(t.list("subjectAltNames").get(i).origin(), t.what() + ".subjectAltNames: " + Fields.quote(sans.get(i))
            + " is not a SPIFFE id (expected spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT)");
      }
    }
    String sni = t.string("sni", "");
    return UpstreamTls.mesh(sni, sans);
  }

  private static String file(Fields t, String key, Located item) {
    String value = t.string(key, null);
    return value == null ? "" : FileRefs.existing(t, key, value, item.baseDir());
  }
}
