package io.gatehouse.routes.load;

import io.gatehouse.routes.Admin;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.Demo;
import io.gatehouse.routes.Egress;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Kubernetes;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.MeshIdentity;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.Origin;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.Telemetry;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.Xds;
import io.gatehouse.routes.table.Shadowing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import io.gatehouse.routes.auth.Security;

/**
 * Merges the documents of every file into one config: lists concatenate in file order, and the
 * single blocks ({@code admin}, {@code demo}, {@code egress}) may be written once. Then each part
 * is read and cross-checked; records are returned only when no error was found anywhere.
 */
final class ConfigReader {
  private static final Set<String> TOP = Set.of("admin", "demo", "listeners", "upstreams", "routes", "egress", "kubernetes",
      "telemetry", "authentication", "authorization", "extAuthz", "meshIdentity", "xds");
  private static final Set<String> SINGLES = Set.of("admin", "demo", "egress", "telemetry", "meshIdentity");

  private final boolean fragment;
  private final Problems problems = new Problems();
  private final List<Located> listeners = new ArrayList<>();
  private final List<Located> upstreams = new ArrayList<>();
  private final List<Located> routes = new ArrayList<>();
  private final List<Located> kubernetes = new ArrayList<>();
  private final List<Located> xds = new ArrayList<>();
  private final List<Located> authentication = new ArrayList<>();
  private final List<Located> authorization = new ArrayList<>();
  private final List<Located> extAuthz = new ArrayList<>();
  private final Map<String, Located> singles = new LinkedHashMap<>();
  private final Map<String, Origin> singleOrigins = new LinkedHashMap<>();
  private final MeshDocuments mesh = new MeshDocuments();

  private ConfigReader(boolean fragment) {
    this.fragment = fragment;
  }

  static LoadResult read(List<ConfigFile> files) {
    return read(files, false);
  }

  /**
   * With {@code fragment}, the documents are one source's share of a merged config: {@code admin},
   * {@code demo} and {@code egress.mode} belong to the config directory and are errors here, and
   * upstream names and the admin port are checked later, on the merged config ({@link CrossCheck}).
   */
  static LoadResult read(List<ConfigFile> files, boolean fragment) {
    ConfigReader reader = new ConfigReader(fragment);
    for (ConfigFile file : files) {
      for (Node document : YamlTree.parse(file, reader.problems)) {
        reader.collect(document, file.baseDir());
      }
    }
    return reader.build();
  }

  private void collect(Node document, Path baseDir) {
    if (MeshDocuments.isKubernetes(document)) {
      mesh.add(document);
      return;
    }
    Optional<Fields> top = Fields.of(document, "config", problems, TOP);
    if (top.isEmpty()) {
      return;
    }
    Fields fields = top.get();
    if (fragment) {
      rejectLocalOnly(fields);
    }
    for (String key : SINGLES) {
      Node node = fields.node(key);
      if (node == null) {
        continue;
      }
      Origin previous = singleOrigins.putIfAbsent(key, fields.origin(key));
      if (previous != null) {
        problems.add(fields.origin(key), "\"" + key + "\" is already defined at " + previous
            + " (write it once across all files)");
      } else {
        singles.put(key, new Located(node, baseDir));
      }
    }
    fields.list("listeners").forEach(n -> listeners.add(new Located(n, baseDir)));
    fields.list("upstreams").forEach(n -> upstreams.add(new Located(n, baseDir)));
    fields.list("routes").forEach(n -> routes.add(new Located(n, baseDir)));
    fields.list("kubernetes").forEach(n -> kubernetes.add(new Located(n, baseDir)));
    fields.list("xds").forEach(n -> xds.add(new Located(n, baseDir)));
    fields.list("authentication").forEach(n -> authentication.add(new Located(n, baseDir)));
    fields.list("authorization").forEach(n -> authorization.add(new Located(n, baseDir)));
    fields.list("extAuthz").forEach(n -> extAuthz.add(new Located(n, baseDir)));
  }

  private void rejectLocalOnly(Fields fields) {
    for (String key : List.of("admin", "demo", "kubernetes", "telemetry", "meshIdentity", "xds")) {
      if (fields.has(key)) {
        problems.add(fields.origin(key), "\"" + key + "\" can only be set in the config directory, not by this source");
      }
    }
    if (fields.node("egress") instanceof Node.Mapping egress && egress.field("mode") != null) {
      problems.add(egress.field("mode").keyOrigin(),
          "egress.mode can only be set in the config directory; this source may only add egress.allow entries");
    }
  }

  private LoadResult build() {
    Admin admin = readAdmin(singles.get("admin"));
    Demo demo = readDemo(singles.get("demo"));
    List<Upstream> ups = new UpstreamReader(problems).read(upstreams);
    List<Listener> ls = new ListenerReader(problems, fragment ? -1 : admin.port()).read(listeners);
    Optional<SortedSet<String>> listenerNames = fragment ? Optional.empty()
        : Optional.of(ls.stream().map(Listener::name).collect(Collectors.toCollection(TreeSet::new)));
    List<Route> rts = new RouteReader(problems, ups, !fragment, listenerNames).read(routes);
    Located egressNode = singles.get("egress");
    Egress egress = egressNode == null ? Egress.DENY_ALL : new EgressReader(problems).read(egressNode);
    List<Kubernetes> clusters = new KubernetesReader(problems).read(kubernetes);
    List<Xds> controlPlanes = new XdsReader(problems).read(xds);
    Located telemetryNode = singles.get("telemetry");
    Telemetry telemetry = telemetryNode == null ? Telemetry.DEFAULT : new TelemetryReader(problems).read(telemetryNode);
    Located meshIdentityNode = singles.get("meshIdentity");
    MeshIdentity meshIdentity = meshIdentityNode == null ? MeshIdentity.NONE
        : new MeshIdentityReader(problems).read(meshIdentityNode);
    if (!fragment) {
      MeshIdentityReader.checkUpstreams(meshIdentity, ups, upstreams, problems);
      MeshIdentityReader.checkListeners(meshIdentity, ls, listeners, problems);
    }
    SecurityReader securityReader = new SecurityReader(problems);
    Security security = securityReader.read(authentication, authorization, extAuthz);
    if (!fragment) {
      CrossCheck.tcpRoutes(ls, rts, (kind, name) -> routeOrigin(name)).forEach(e -> problems.add(e.origin(), e.message()));
      securityReader.checkNames(security, ls.stream().map(Listener::name).collect(Collectors.toSet()),
          rts.stream().map(Route::name).collect(Collectors.toSet()));
    }
    GatewayConfig config = mesh.mergeInto(new GatewayConfig(admin, ls, ups, rts, egress, demo, clusters, telemetry, security, meshIdentity,
        controlPlanes),
        problems);
    if (!problems.isEmpty()) {
      return new LoadResult.Rejected(problems.list());
    }
    List<ConfigError> warnings = new ArrayList<>(shadowed(rts));
    warnings.addAll(mesh.warnings());
    return new LoadResult.Loaded(config, warnings);
  }

  /**
   * A warning for each native route that earlier ones leave no request to, as the Istio
   * translation reports conflicting routes. Only called without problems, when {@code read} and
   * {@link #routes} line up one to one.
   */
  private List<ConfigError> shadowed(List<Route> read) {
    List<ConfigError> out = new ArrayList<>();
    for (Shadowing.Shadowed s : Shadowing.find(read)) {
      List<String> by = s.by().stream()
          .map(i -> Fields.quote(read.get(i).name()) + " (" + routes.get(i).node().origin() + ")").toList();
      String name = Fields.quote(read.get(s.index()).name());
      out.add(new ConfigError(routes.get(s.index()).node().origin(), "warning: route " + name + " would never be used: "
          + "every request it matches is taken first by route " + String.join(" and route ", by)
          + " (first match wins; move " + name + " above, or narrow the earlier match)"));
    }
    return out;
  }

  /** Where the route named {@code name} was written (the first such). */
  private Origin routeOrigin(String name) {
    for (Located r : routes) {
      if (r.node() instanceof Node.Mapping m && m.field("name") != null && m.field("name").value() instanceof Node.Scalar s
          && s.text().equals(name)) {
        return m.origin();
      }
    }
    return routes.get(0).node().origin(); // never reached: every route was read from one of these
  }

  private Admin readAdmin(Located located) {
    if (located == null) {
      return Admin.DEFAULT;
    }
    Optional<Fields> read = Fields.of(located.node(), "admin", problems, Set.of("port", "address", "tokenFile", "tls"));
    if (read.isEmpty()) {
      return Admin.DEFAULT;
    }
    Fields f = read.get();
    int port = f.integer("port", Admin.DEFAULT.port(), 0, 65535);
    String address = f.string("address", Admin.DEFAULT.address());
    Optional<String> token = Optional.ofNullable(f.string("tokenFile", null))
        .map(t -> FileRefs.existing(f, "tokenFile", t, located.baseDir()));
    if (!Values.isIpv4(address) && !Values.isIpv6(address) && !address.equals("localhost")) {
      problems.add(f.origin("address"), "admin.address " + Fields.quote(address)
          + " is not an IP address (expected e.g. 127.0.0.1, ::1, 0.0.0.0)");
    } else if (token.isEmpty() && !isLoopback(address)) {
      problems.add(f.origin("address"), "admin.address " + address
          + " is not loopback: set admin.tokenFile so that the admin API requires a bearer token");
    }
    ListenerTls tls = f.nested("tls", "admin tls", ListenerReader.TLS_KEYS)
        .map(t -> new ListenerReader(problems, port).tls(t, located)).orElse(ListenerTls.NONE);
    return new Admin(port, address, token, tls);
  }

  private Demo readDemo(Located located) {
    if (located == null) {
      return Demo.NONE;
    }
    return Fields.of(located.node(), "demo", problems, Set.of("echoPort"))
        .map(f -> new Demo(f.integer("echoPort", 0, 0, 65535)))
        .orElse(Demo.NONE);
  }

  static boolean isLoopback(String address) {
    return address.equals("localhost") || address.equals("::1") || address.startsWith("127.");
  }
}
