package io.gatehouse.routes.mesh;

import io.gatehouse.routes.StickySession;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.UpstreamTls;
import io.gatehouse.routes.load.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a destination (host, port, subset) into a native upstream, once per distinct
 * destination: a Kubernetes Service's ready EndpointSlice addresses (filtered by the subset's
 * pod labels), or a ServiceEntry's endpoints, with the DestinationRule's policy. Named
 * {@code <fqdn>_<port>[_<subset>]}.
 */
final class Destinations {
  private final Catalog catalog;
  private final Policies policies;
  private final Map<String, Upstream> upstreams = new LinkedHashMap<>();
  private final Map<String, StickySession> sticky = new LinkedHashMap<>();

  Destinations(Catalog catalog, Policies policies) {
    this.catalog = catalog;
    this.policies = policies;
  }

  /** A destination as a route names it: host as written, port 0 when not given, subset empty when none. */
  record Target(String host, int port, String subset, String namespace) {}

  /** The upstream name for {@code target}, or empty after reporting why in {@code scope}. */
  Optional<String> upstream(Scope scope, Tree at, Target target) {
    return upstream(scope, at, target, false);
  }

  /**
   * The same, spoken to in HTTP/2 when {@code http2} (GRPCRoute backends); such a use turns an
   * upstream another route already made into an HTTP/2 one.
   */
  Optional<String> upstream(Scope scope, Tree at, Target target, boolean http2) {
    String fqdn = catalog.fqdn(target.host(), target.namespace());
    Optional<MeshResource> service = catalog.serviceOf(fqdn);
    Optional<MeshResource> entry = catalog.serviceEntry(fqdn);
    if (service.isEmpty() && entry.isEmpty()) {
      scope.missing(at.get("host"), "\"" + target.host() + "\" is not a known service (no Service "
          + serviceName(fqdn) + ", no ServiceEntry with this host)");
      return Optional.empty();
    }
    Policies.Policy policy = Policies.Policy.DEFAULT;
    Map<String, String> labels = Map.of();
    Optional<Policies.Rule> rule = policies.forHost(fqdn);
    if (rule.isPresent()) {
      policy = rule.get().policy();
    }
    if (!target.subset().isEmpty()) {
      Policies.Subset subset = rule.map(r -> r.subsets().get(target.subset())).orElse(null);
      if (subset == null) {
        scope.missing(at.get("subset"), "subset \"" + target.subset() + "\" is not defined"
            + rule.map(r -> " in " + r.resource().id()).orElse(" (no DestinationRule for " + fqdn + ")"));
        return Optional.empty();
      }
      policy = subset.policy();
      labels = subset.labels();
    }
    Optional<Resolved> resolved = service.isPresent()
        ? serviceEndpoints(scope, at, service.get(), fqdn, target.port(), labels)
        : entryEndpoints(scope, at, entry.get(), fqdn, target.port(), labels);
    if (resolved.isEmpty()) {
      return Optional.empty();
    }
    String name = fqdn + "_" + resolved.get().port() + (target.subset().isEmpty() ? "" : "_" + target.subset());
    Upstream upstream = policy.forPort(resolved.get().port()).upstream(name, resolved.get().endpoints());
    if (service.isEmpty()) {
      upstream = withEntryNames(upstream, entry.get());
    }
    StickySession cookie = policy.forPort(resolved.get().port()).sticky();
    if (cookie.enabled()) {
      sticky.putIfAbsent(name, cookie);
    }
    if (resolved.get().http2() || http2) {
      upstream = new Upstream(name, upstream.endpoints(), upstream.loadBalancer(), upstream.tls(), upstream.hashOn(),
          upstream.healthCheck(), upstream.outlierDetection(), upstream.circuitBreaker(), upstream.retryBudget(),
          Upstream.Protocol.HTTP2);
    }
    if (http2) {
      upstreams.put(name, upstream);
    } else {
      upstreams.putIfAbsent(name, upstream);
    }
    return Optional.of(name);
  }

  /**
   * A ServiceEntry's {@code subjectAltNames} are the service accounts Istio gives its service: where
   * the DestinationRule's TLS names no {@code subjectAltNames} of its own, ISTIO_MUTUAL checks the
   * upstream's SPIFFE id against them (instead of each endpoint's workload), and SIMPLE and MUTUAL
   * check the certificate for one of them instead of the host name, unless {@code insecureSkipVerify}
   * turned checking off (Istio's buildUpstreamTLSSettings and constructUpstreamTLS). Without TLS from a
   * DestinationRule they change nothing: Istio speaks plaintext to a ServiceEntry then.
   */
  private static Upstream withEntryNames(Upstream upstream, MeshResource entry) {
    List<String> names = entryNames(entry);
    UpstreamTls tls = upstream.tls();
    if (names.isEmpty() || !tls.enabled() || !tls.subjectAltNames().isEmpty() || (!tls.mesh() && !tls.verifyHostname())) {
      return upstream;
    }
    UpstreamTls named = tls.mesh() ? UpstreamTls.mesh(tls.sni(), names)
        : new UpstreamTls(true, tls.sni(), tls.caCert(), tls.clientCert(), tls.clientKey(), false, false, names);
    return new Upstream(upstream.name(), upstream.endpoints(), upstream.loadBalancer(), named, upstream.hashOn(),
        upstream.healthCheck(), upstream.outlierDetection(), upstream.circuitBreaker(), upstream.retryBudget(),
        upstream.protocol());
  }

  /** A ServiceEntry's {@code subjectAltNames} as written (ServiceEntries reports the malformed ones). */
  static List<String> entryNames(MeshResource entry) {
    return entry.spec().textsOrEmpty("subjectAltNames").stream().filter(n -> !n.isBlank()).toList();
  }

  /**
   * Upstream {@code name} as {@code change} makes it (given the new name {@code name_suffix}), made
   * once: how an Ingress speaks TLS or HTTP/2 to a Service that other routes reach as it is.
   */
  String variant(String name, String suffix, java.util.function.BiFunction<String, Upstream, Upstream> change) {
    String variant = name + "_" + suffix;
    upstreams.computeIfAbsent(variant, v -> change.apply(v, upstreams.get(name)));
    return variant;
  }

  /** The sticky session the DestinationRule of upstream {@code name} asks for ({@code httpCookie} with {@code ttl}). */
  StickySession stickySession(String name) {
    return sticky.getOrDefault(name, StickySession.NONE);
  }

  List<Upstream> upstreams() {
    return List.copyOf(upstreams.values());
  }

  /**
   * The port a route names (the Service's or ServiceEntry's), the endpoints behind it, and whether
   * the port speaks HTTP/2 (as Istio tells: {@code appProtocol} grpc, http2 or kubernetes.io/h2c, a
   * port name {@code grpc[-*]} (not grpc-web) or {@code http2[-*]}, a ServiceEntry protocol GRPC or HTTP2).
   */
  private record Resolved(int port, List<Upstream.Endpoint> endpoints, boolean http2) {}

  private static boolean http2(String appProtocol, String name) {
    String app = appProtocol.toLowerCase(Locale.ROOT);
    String n = name.toLowerCase(Locale.ROOT);
    return app.equals("grpc") || app.equals("http2") || app.equals("kubernetes.io/h2c")
        || (app.isEmpty() && !n.startsWith("grpc-web")
            && (n.equals("grpc") || n.startsWith("grpc-") || n.equals("http2") || n.startsWith("http2-")));
  }

  private Optional<Resolved> serviceEndpoints(Scope scope, Tree at, MeshResource service, String fqdn,
                                                             int port, Map<String, String> labels) {
    List<Tree> ports = service.spec().get("ports").itemsOrEmpty();
    Optional<Tree> servicePort = pickPort(scope, at, ports, port, "port", service.id());
    if (servicePort.isEmpty()) {
      return Optional.empty();
    }
    int chosenPort = servicePort.get().integer("port", 0);
    String portName = servicePort.get().text("name");
    boolean h2 = http2(servicePort.get().text("appProtocol"), portName);
    List<MeshResource> slices = catalog.slices(service.namespace(), service.name());
    List<Upstream.Endpoint> out = new ArrayList<>();
    if (slices.isEmpty()) {
      if (catalog.settings.dnsFallback()) {
        if (!labels.isEmpty()) {
          scope.warn(at.get("subset"), "no EndpointSlice for " + service.id() + " is known, so pods cannot be told"
              + " apart by labels; the subset takes every pod behind " + fqdn);
        }
        out.add(new Upstream.Endpoint(fqdn, chosenPort));
      }
      return Optional.of(new Resolved(chosenPort, out, h2));
    }
    for (MeshResource slice : slices) {
      int targetPort = slicePort(slice, portName);
      if (targetPort == 0) {
        continue;
      }
      for (Tree endpoint : new Tree(slice.object(), "").get("endpoints").itemsOrEmpty()) {
        if (!ready(endpoint) || !podMatches(endpoint, slice.namespace(), labels)) {
          continue;
        }
        Upstream.Workload workload = workload(endpoint, slice.namespace());
        for (String address : endpoint.textsOrEmpty("addresses")) {
          out.add(new Upstream.Endpoint(address.toLowerCase(Locale.ROOT), targetPort, workload));
        }
      }
    }
    return Optional.of(new Resolved(chosenPort, out, h2));
  }

  /** Kubernetes: a missing {@code ready} condition means ready. */
  private static boolean ready(Tree endpoint) {
    Tree r = endpoint.get("conditions").get("ready");
    return !r.present() || r.node().asBoolean(true);
  }

  private static int slicePort(MeshResource slice, String portName) {
    for (Tree p : new Tree(slice.object(), "").get("ports").itemsOrEmpty()) {
      if (p.text("name").equals(portName)) {
        return p.integer("port", 0);
      }
    }
    return 0;
  }

  /** The workload of the Pod an EndpointSlice endpoint's {@code targetRef} names, when that Pod is known. */
  private Upstream.Workload workload(Tree endpoint, String namespace) {
    Tree ref = endpoint.get("targetRef");
    if (!ref.text("kind").equals("Pod")) {
      return Upstream.Workload.NONE;
    }
    String ns = ref.text("namespace").isEmpty() ? namespace : ref.text("namespace");
    return catalog.get(Kinds.POD, ns, ref.text("name")).map(p -> PodWorkloads.of(p, "")).orElse(Upstream.Workload.NONE);
  }

  private boolean podMatches(Tree endpoint, String namespace, Map<String, String> labels) {
    if (labels.isEmpty()) {
      return true;
    }
    Tree ref = endpoint.get("targetRef");
    if (!ref.text("kind").equals("Pod")) {
      return false;
    }
    String ns = ref.text("namespace").isEmpty() ? namespace : ref.text("namespace");
    Map<String, String> podLabels = catalog.get(Kinds.POD, ns, ref.text("name"))
        .map(p -> p.metadata().map("labels")).orElse(Map.of());
    return podLabels.entrySet().containsAll(labels.entrySet());
  }

  private Optional<Resolved> entryEndpoints(Scope scope, Tree at, MeshResource entry, String host,
                                                           int port, Map<String, String> labels) {
    Tree spec = entry.spec();
    Optional<Tree> entryPort = pickPort(scope, at, spec.get("ports").itemsOrEmpty(), port, "number", entry.id());
    if (entryPort.isEmpty()) {
      return Optional.empty();
    }
    int chosenPort = entryPort.get().integer("number", 0);
    int targetPort = entryPort.get().integer("targetPort", chosenPort);
    String portName = entryPort.get().text("name");
    String resolution = spec.text("resolution").isEmpty() ? "NONE" : spec.text("resolution");
    List<Upstream.Endpoint> out = new ArrayList<>();
    List<Tree> endpoints = spec.get("endpoints").itemsOrEmpty();
    switch (resolution) {
      case "STATIC", "DNS", "DNS_ROUND_ROBIN" -> {
        for (Tree e : endpoints) {
          if (!e.map("labels").entrySet().containsAll(labels.entrySet())) {
            continue;
          }
          int p = e.get("ports").integer(portName, targetPort);
          String address = e.text("address");
          if (Values.isHostName(address.toLowerCase(Locale.ROOT)) || Values.isIpv6(address)) {
            out.add(new Upstream.Endpoint(address.toLowerCase(Locale.ROOT), p, entryWorkload(entry, e)));
          } else {
            scope.warn(e.get("address"), "\"" + address + "\" is not an IP address or host name; skipped");
          }
        }
        if (endpoints.isEmpty() && !resolution.equals("STATIC")) {
          out.add(new Upstream.Endpoint(host, targetPort));
        }
        if (endpoints.isEmpty() && resolution.equals("STATIC")) {
          scope.missing(at.get("host"), entry.id() + " has resolution STATIC but no endpoints");
          return Optional.empty();
        }
      }
      default -> {
        scope.missing(at.get("host"), entry.id() + " has resolution " + resolution
            + ": this gateway needs endpoints to route to (use STATIC or DNS)");
        return Optional.empty();
      }
    }
    String protocol = entryPort.get().text("protocol");
    return Optional.of(new Resolved(chosenPort, out, http2(protocol.equalsIgnoreCase("GRPC") ? "grpc"
        : protocol.equalsIgnoreCase("HTTP2") ? "http2" : "", "")));
  }

  /**
   * A ServiceEntry endpoint's workload (a WorkloadEntry written inline): its {@code serviceAccount}
   * in the ServiceEntry's namespace and its {@code app}/{@code version} labels, when it states any.
   */
  private static Upstream.Workload entryWorkload(MeshResource entry, Tree endpoint) {
    Map<String, String> labels = endpoint.map("labels");
    String serviceAccount = endpoint.text("serviceAccount");
    if (serviceAccount.isEmpty() && !labels.containsKey("app") && !labels.containsKey("version")) {
      return Upstream.Workload.NONE;
    }
    return new Upstream.Workload("", entry.namespace(), labels.getOrDefault("app", ""), labels.getOrDefault("version", ""),
        serviceAccount, "", "");
  }

  private static Optional<Tree> pickPort(Scope scope, Tree at, List<Tree> ports, int wanted, String numberKey,
                                         String owner) {
    if (wanted == 0) {
      if (ports.size() == 1) {
        return Optional.of(ports.get(0));
      }
      scope.error(at.get("port"), "a port is required: " + owner + " has " + ports.size() + " ports");
      return Optional.empty();
    }
    for (Tree p : ports) {
      if (p.integer(numberKey, -1) == wanted) {
        return Optional.of(p);
      }
    }
    scope.missing(at.get("port"), owner + " has no port " + wanted);
    return Optional.empty();
  }

  private static String serviceName(String fqdn) {
    String[] parts = fqdn.split("\\.");
    return parts.length >= 2 ? parts[1] + "/" + parts[0] : fqdn;
  }
}
