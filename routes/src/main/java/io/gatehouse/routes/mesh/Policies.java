package io.gatehouse.routes.mesh;

import io.gatehouse.routes.CircuitBreaker;
import io.gatehouse.routes.HashOn;
import io.gatehouse.routes.HealthCheck;
import io.gatehouse.routes.OutlierDetection;
import io.gatehouse.routes.RetryBudget;
import io.gatehouse.routes.StickySession;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.UpstreamTls;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * DestinationRules read once: per host, the traffic policy (load balancer or consistent hash, and
 * the sticky session a {@code httpCookie} with {@code ttl} asks for,
 * upstream TLS, connection pool, outlier detection) and the subsets (pod labels and their own
 * policy, which starts from the rule's). What the native upstream cannot express is reported on
 * the DestinationRule.
 */
final class Policies {
  /** What an upstream takes from a DestinationRule. */
  record Policy(Upstream.LoadBalancer loadBalancer, HashOn hashOn, UpstreamTls tls, CircuitBreaker circuitBreaker,
                OutlierDetection outlierDetection, Upstream.Protocol protocol, Map<Integer, Policy> ports,
                StickySession sticky) {
    static final Policy DEFAULT = new Policy(Upstream.LoadBalancer.ROUND_ROBIN, HashOn.NONE, UpstreamTls.NONE,
        CircuitBreaker.DEFAULT, OutlierDetection.NONE, Upstream.Protocol.HTTP1, Map.of(), StickySession.NONE);

    Policy {
      ports = Map.copyOf(ports);
    }

    /** The policy for a destination port: its {@code portLevelSettings} entry if there is one. */
    Policy forPort(int port) {
      return ports.getOrDefault(port, this);
    }

    Upstream upstream(String name, List<Upstream.Endpoint> endpoints) {
      return new Upstream(name, endpoints, loadBalancer, tls, hashOn, HealthCheck.NONE, outlierDetection,
          circuitBreaker, RetryBudget.DEFAULT, protocol);
    }
  }

  record Subset(Map<String, String> labels, Policy policy) {}

  record Rule(MeshResource resource, Policy policy, Map<String, Subset> subsets) {
    /**
     * Whether a policy of this rule (its own, a port's, a subset's) takes a ServiceEntry's
     * {@code subjectAltNames}: TLS naming none of its own, ISTIO_MUTUAL or (unless {@code meshOnly})
     * SIMPLE/MUTUAL that verifies.
     */
    boolean takesEntryNames(boolean meshOnly) {
      List<Policy> all = new java.util.ArrayList<>();
      all.add(policy);
      subsets.values().forEach(s -> all.add(s.policy()));
      for (Policy p : List.copyOf(all)) {
        all.addAll(p.ports().values());
      }
      return all.stream().map(Policy::tls).anyMatch(t -> t.enabled() && t.subjectAltNames().isEmpty()
          && (t.mesh() || (!meshOnly && t.verifyHostname())));
    }
  }

  private static final Set<String> RULE_KEYS = Set.of("host", "trafficPolicy", "subsets", "exportTo", "workloadSelector");
  private static final Set<String> POLICY_KEYS = Set.of("loadBalancer", "tls", "connectionPool", "outlierDetection",
      "portLevelSettings");
  private static final Set<String> PORT_KEYS = Set.of("port", "loadBalancer", "tls", "connectionPool", "outlierDetection");
  private static final Set<String> TLS_KEYS = Set.of("mode", "credentialName", "caCertificates", "clientCertificate",
      "privateKey", "sni", "insecureSkipVerify", "subjectAltNames");

  private final Map<String, Rule> byHost = new HashMap<>();

  /** Reads every DestinationRule; a broken one is reported and left out. */
  static Policies read(Catalog catalog, SecretStore secrets, Report report) {
    Policies out = new Policies();
    for (MeshResource r : catalog.of(Kinds.DESTINATION_RULE)) {
      report.run(r, scope -> {
        Tree spec = r.spec();
        scope.unknownKeys(spec, RULE_KEYS);
        if (spec.has("workloadSelector")) {
          scope.warn(spec.get("workloadSelector"), "applies to sidecars, not to a gateway; ignored");
        }
        String host = catalog.fqdn(spec.text("host"), r.namespace());
        if (host.isEmpty()) {
          scope.error(spec.get("host"), "is required");
        }
        Policy policy = policy(scope, spec.get("trafficPolicy"), Policy.DEFAULT, secrets, catalog, r.namespace());
        Map<String, Subset> subsets = new LinkedHashMap<>();
        for (Tree s : spec.get("subsets").items()) {
          scope.unknownKeys(s, Set.of("name", "labels", "trafficPolicy"));
          String name = s.text("name");
          if (name.isEmpty()) {
            scope.error(s.get("name"), "is required");
          } else if (subsets.put(name, new Subset(s.map("labels"),
              policy(scope, s.get("trafficPolicy"), policy, secrets, catalog, r.namespace()))) != null) {
            scope.error(s.get("name"), "subset \"" + name + "\" is defined twice");
          }
        }
        if (!scope.failed() && out.byHost.putIfAbsent(host, new Rule(r, policy, subsets)) != null) {
          scope.warn(spec.get("host"), "another DestinationRule for " + host + " came first; this one is ignored"
              + " (Istio merges them; this gateway does not)");
        }
      });
    }
    return out;
  }

  Optional<Rule> forHost(String fqdn) {
    return Optional.ofNullable(byHost.get(fqdn));
  }

  /**
   * A {@code trafficPolicy} over {@code inherited}, and its {@code portLevelSettings} over the result.
   * A subset with a trafficPolicy of its own keeps only its own portLevelSettings.
   */
  private static Policy policy(Scope scope, Tree p, Policy inherited, SecretStore secrets, Catalog catalog, String ns) {
    if (!p.present()) {
      return inherited;
    }
    scope.unknownKeys(p, POLICY_KEYS);
    Policy base = fields(scope, p, inherited, secrets, catalog, ns);
    Map<Integer, Policy> ports = new LinkedHashMap<>();
    for (Tree entry : p.get("portLevelSettings").items()) {
      scope.unknownKeys(entry, PORT_KEYS);
      int port = entry.get("port").integer("number", 0);
      if (port < 1 || port > 65535) {
        scope.error(entry.get("port"), "a port number 1..65535 is required");
      } else if (ports.put(port, fields(scope, entry, base, secrets, catalog, ns)) != null) {
        scope.error(entry.get("port"), "port " + port + " has settings twice");
      }
    }
    return new Policy(base.loadBalancer(), base.hashOn(), base.tls(), base.circuitBreaker(), base.outlierDetection(),
        base.protocol(), ports, base.sticky());
  }

  private static Policy fields(Scope scope, Tree p, Policy inherited, SecretStore secrets, Catalog catalog, String ns) {
    Upstream.LoadBalancer lb = inherited.loadBalancer();
    HashOn hashOn = inherited.hashOn();
    StickySession sticky = inherited.sticky();
    Tree lbTree = p.get("loadBalancer");
    if (lbTree.present()) {
      scope.unknownKeys(lbTree, Set.of("simple", "consistentHash"));
      if (lbTree.has("consistentHash")) {
        Optional<HashOn> hash = TrafficPolicies.consistentHash(scope, lbTree.get("consistentHash"));
        if (hash.isPresent()) {
          lb = Upstream.LoadBalancer.CONSISTENT_HASH;
          hashOn = hash.get();
          sticky = TrafficPolicies.stickyCookie(scope, lbTree.get("consistentHash"));
        }
        if (lbTree.has("simple")) {
          scope.error(lbTree, "use simple or consistentHash, not both");
        }
      }
      String simple = lbTree.text("simple");
      switch (simple) {
        case "", "UNSPECIFIED" -> { }
        case "ROUND_ROBIN" -> lb = Upstream.LoadBalancer.ROUND_ROBIN;
        case "LEAST_REQUEST", "LEAST_CONN" -> lb = Upstream.LoadBalancer.LEAST_REQUEST;
        case "RANDOM" -> lb = Upstream.LoadBalancer.RANDOM;
        case "PASSTHROUGH" -> scope.warn(lbTree.get("simple"), "PASSTHROUGH is not supported; ROUND_ROBIN is used");
        default -> scope.error(lbTree.get("simple"), "\"" + simple
            + "\" is not a load balancer (expected ROUND_ROBIN, LEAST_REQUEST, RANDOM)");
      }
    }
    if (lb != Upstream.LoadBalancer.CONSISTENT_HASH) {
      hashOn = HashOn.NONE;
      sticky = StickySession.NONE;
    }
    UpstreamTls tls = p.has("tls") ? tls(scope, p.get("tls"), secrets, catalog, ns) : inherited.tls();
    TrafficPolicies.Pool pool = TrafficPolicies.connectionPool(scope, p.get("connectionPool"),
        new TrafficPolicies.Pool(inherited.circuitBreaker(), inherited.protocol()));
    OutlierDetection outliers = p.has("outlierDetection")
        ? TrafficPolicies.outlierDetection(scope, p.get("outlierDetection")) : inherited.outlierDetection();
    return new Policy(lb, hashOn, tls, pool.circuitBreaker(), outliers, pool.protocol(), Map.of(), sticky);
  }

  private static UpstreamTls tls(Scope scope, Tree t, SecretStore secrets, Catalog catalog, String ns) {
    scope.unknownKeys(t, TLS_KEYS);
    String mode = t.text("mode");
    boolean verify = !t.get("insecureSkipVerify").node().asBoolean(false);
    String sni = t.text("sni");
    switch (mode) {
      case "", "DISABLE" -> {
        return UpstreamTls.NONE;
      }
      case "ISTIO_MUTUAL" -> {
        // Istio's SNI for in-mesh mTLS is the DNS SRV form of the cluster; the upstream's own
        // port is filled in by the gateway when the rule names no sni (BuildDNSSrvSubsetKey).
        return UpstreamTls.mesh(sni.toLowerCase(java.util.Locale.ROOT), spiffeIds(scope, t));
      }
      case "SIMPLE", "MUTUAL" -> { }
      default -> {
        scope.error(t.get("mode"), "\"" + mode + "\" is not a TLS mode (expected DISABLE, SIMPLE, MUTUAL)");
        return UpstreamTls.NONE;
      }
    }
    String ca = t.text("caCertificates");
    String cert = t.text("clientCertificate");
    String key = t.text("privateKey");
    String credential = t.text("credentialName");
    if (!credential.isEmpty()) {
      Optional<SecretStore.TlsFiles> files = Secrets.resolve(scope, t.get("credentialName"), catalog, secrets, ns, credential);
      if (files.isEmpty()) {
        return UpstreamTls.NONE;
      }
      ca = files.get().ca().isEmpty() ? ca : files.get().ca();
      cert = files.get().cert();
      key = files.get().key();
    }
    if (mode.equals("SIMPLE")) {
      cert = "";
      key = "";
    } else if (cert.isEmpty() || key.isEmpty()) {
      scope.error(t, "MUTUAL needs a client certificate and key (credentialName, or clientCertificate and privateKey)");
    }
    // subjectAltNames: what the upstream's certificate must carry one of, instead of the host name.
    List<String> names = verify ? t.get("subjectAltNames").itemsOrEmpty().stream().map(Tree::text)
        .filter(n -> !n.isBlank()).toList() : List.of();
    return new UpstreamTls(true, sni.toLowerCase(java.util.Locale.ROOT), ca, cert, key, verify && names.isEmpty(), false,
        names);
  }

  /** {@code subjectAltNames}: the identities an ISTIO_MUTUAL upstream may present (SPIFFE URIs). */
  private static List<String> spiffeIds(Scope scope, Tree t) {
    List<String> out = new java.util.ArrayList<>();
    for (Tree san : t.get("subjectAltNames").itemsOrEmpty()) {
      String text = san.text();
      if (text.startsWith("spiffe://") && text.length() > "spiffe://".length()) {
        out.add(text);
      } else {
        scope.warn(san, "subjectAltNames entry \"" + text + "\" is not a SPIFFE id; ISTIO_MUTUAL checks the upstream's"
            + " spiffe:// URI SAN, so this entry can never match");
      }
    }
    return out;
  }

  List<Rule> rules() {
    return List.copyOf(byHost.values());
  }
}
