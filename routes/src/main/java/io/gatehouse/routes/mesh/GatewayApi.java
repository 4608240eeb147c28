package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.HeaderOps;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Rewrite;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.StringMatch;
import io.gatehouse.routes.load.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Kubernetes Gateway API: {@code Gateway}s of this gateway's class become listeners (HTTP, and
 * HTTPS terminating with Secret certificates); {@code HTTPRoute}s attached to them through
 * {@code parentRefs} become routes named {@code httproute.<ns>.<name>.<rule>}. TLSRoute and
 * GRPCRoute attached to this gateway are reported as not supported yet.
 */
final class GatewayApi {
  /** One listener of one of our Gateways, for route attachment. */
  private record GatewayListener(String gateway, String name, int port, String hostname, boolean allNamespaces,
                                 String namespace) {}

  private static final Set<String> GATEWAY_KEYS = Set.of("gatewayClassName", "listeners");
  private static final Set<String> LISTENER_KEYS = Set.of("name", "hostname", "port", "protocol", "tls", "allowedRoutes");
  private static final Set<String> RULE_KEYS = Set.of("name", "matches", "filters", "backendRefs", "timeouts");

  private final Catalog catalog;
  private final Destinations destinations;
  private final List<GatewayListener> listeners = new ArrayList<>();

  GatewayApi(Catalog catalog, Destinations destinations) {
    this.catalog = catalog;
    this.destinations = destinations;
  }

  void gateways(SecretStore secrets, ListenerPlan plan, Report report) {
    for (MeshResource r : catalog.of(Kinds.GATEWAY)) {
      Tree spec = r.spec();
      if (!spec.text("gatewayClassName").equals(catalog.settings.gatewayClassName())) {
        continue;
      }
      Scope scope = new Scope(r);
      scope.unknownKeys(spec, GATEWAY_KEYS);
      List<ListenerPlan.Server> servers = new ArrayList<>();
      List<GatewayListener> mine = new ArrayList<>();
      for (Tree l : spec.get("listeners").items()) {
        listener(scope, l, secrets).ifPresent(s -> {
          if (plan.check(scope, l.get("port"), s)) {
            servers.add(s);
            Tree from = l.get("allowedRoutes").get("namespaces").get("from");
            if (from.text().equals("Selector")) {
              scope.warn(from, "Selector is not supported by this build yet; routes from the Gateway's namespace only");
            }
            mine.add(new GatewayListener(r.namespace() + "/" + r.name(), l.text("name"), l.integer("port", 0),
                l.text("hostname").toLowerCase(Locale.ROOT), from.text().equals("All"), r.namespace()));
          }
        });
      }
      if (!scope.failed()) {
        servers.forEach(s -> plan.add(r.id(), s));
      }
      listeners.addAll(mine);
      report.add(scope);
    }
  }

  private Optional<ListenerPlan.Server> listener(Scope scope, Tree l, SecretStore secrets) {
    scope.unknownKeys(l, LISTENER_KEYS);
    int port = l.integer("port", 0);
    if (port < 1 || port > 65535) {
      scope.error(l.get("port"), "expected a port 1..65535");
      return Optional.empty();
    }
    String hostname = l.text("hostname");
    if (!hostname.isEmpty() && Values.hostPattern(hostname).isEmpty()) {
      scope.error(l.get("hostname"), "\"" + hostname + "\" is not a host name");
      return Optional.empty();
    }
    String protocol = l.text("protocol");
    switch (protocol) {
      case "HTTP" -> {
        return Optional.of(new ListenerPlan.Server(port, Listener.Protocol.HTTP, List.of(), ListenerTls.ClientAuth.NONE,
            "", "TLSv1.2"));
      }
      case "HTTPS" -> {
        return https(scope, l, port, hostname.isEmpty() ? "*" : hostname.toLowerCase(Locale.ROOT), secrets);
      }
      case "TLS", "TCP", "UDP" -> {
        scope.warn(l.get("protocol"), protocol + " listeners are not supported by this build yet; listener "
            + l.text("name") + " ignored");
        return Optional.empty();
      }
      default -> {
        scope.error(l.get("protocol"), "\"" + protocol + "\" is not a listener protocol (expected HTTP, HTTPS, TLS)");
        return Optional.empty();
      }
    }
  }

  private Optional<ListenerPlan.Server> https(Scope scope, Tree l, int port, String host, SecretStore secrets) {
    Tree tls = l.get("tls");
    scope.unknownKeys(tls, Set.of("mode", "certificateRefs"));
    if (tls.text("mode").equals("Passthrough")) {
      scope.warn(tls.get("mode"), "Passthrough is not supported by this build yet; listener " + l.text("name") + " ignored");
      return Optional.empty();
    }
    List<ListenerTls.CertificateRef> certs = new ArrayList<>();
    String ns = scope.resource().namespace();
    for (Tree ref : tls.get("certificateRefs").items()) {
      String kind = ref.text("kind").isEmpty() ? "Secret" : ref.text("kind");
      if (!kind.equals("Secret") || !ref.text("group").isEmpty()) {
        scope.missing(ref, "only core Secrets can hold certificates (found " + kind + ")");
        continue;
      }
      String refNs = ref.text("namespace").isEmpty() ? ns : ref.text("namespace");
      if (!refNs.equals(ns) && !granted(ns, "Gateway", refNs, "Secret", ref.text("name"))) {
        scope.missing(ref, "Secret " + refNs + "/" + ref.text("name") + " is in another namespace and no ReferenceGrant allows it");
        continue;
      }
      Secrets.resolve(scope, ref.get("name"), catalog, secrets, refNs, ref.text("name"))
          .ifPresent(f -> certs.add(new ListenerTls.CertificateRef(List.of(host), f.cert(), f.key())));
    }
    if (tls.get("certificateRefs").items().isEmpty()) {
      scope.error(tls, "an HTTPS listener needs certificateRefs");
    }
    if (certs.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new ListenerPlan.Server(port, Listener.Protocol.HTTPS, certs, ListenerTls.ClientAuth.NONE, "", "TLSv1.2"));
  }

  /** Whether a ReferenceGrant in {@code toNs} lets {@code fromKind}s of {@code fromNs} refer to {@code toKind} {@code name}. */
  private boolean granted(String fromNs, String fromKind, String toNs, String toKind, String name) {
    for (MeshResource g : catalog.of(Kinds.REFERENCE_GRANT)) {
      if (!g.namespace().equals(toNs)) {
        continue;
      }
      boolean from = g.spec().get("from").items().stream()
          .anyMatch(f -> f.text("kind").equals(fromKind) && f.text("namespace").equals(fromNs));
      boolean to = g.spec().get("to").items().stream()
          .anyMatch(t -> t.text("kind").equals(toKind) && (t.text("name").isEmpty() || t.text("name").equals(name)));
      if (from && to) {
        return true;
      }
    }
    return false;
  }

  void routes(RouteSet routes, Report report) {
    for (MeshResource r : catalog.of(Kinds.TLS_ROUTE)) {
      unsupportedRoute(r, report);
    }
    for (MeshResource r : catalog.of(Kinds.GRPC_ROUTE)) {
      unsupportedRoute(r, report);
    }
    for (MeshResource r : catalog.of(Kinds.HTTP_ROUTE)) {
      Tree spec = r.spec();
      List<GatewayListener> attached = attached(r);
      if (attached.isEmpty()) {
        continue;
      }
      Scope scope = new Scope(r);
      scope.unknownKeys(spec, Set.of("parentRefs", "hostnames", "rules"));
      List<String> hosts = hostnames(scope, spec, attached);
      List<Route> out = new ArrayList<>();
      List<Tree> rules = spec.get("rules").items();
      for (int i = 0; i < rules.size(); i++) {
        rule(scope, rules.get(i), hosts, "httproute." + r.namespace() + "." + r.name() + "." + i).ifPresent(out::add);
      }
      if (rules.isEmpty()) {
        scope.error(spec.get("rules"), "at least one rule is required");
      }
      routes.checkConflicts(scope, spec.get("rules"), out);
      if (!scope.failed()) {
        routes.add(r.id(), out);
      }
      report.add(scope);
    }
  }

  private void unsupportedRoute(MeshResource r, Report report) {
    if (!attached(r).isEmpty()) {
      Scope scope = new Scope(r);
      scope.warn(r.spec(), r.kind() + " is not supported by this build yet; ignored");
      report.add(scope);
    }
  }

  private List<GatewayListener> attached(MeshResource route) {
    List<GatewayListener> out = new ArrayList<>();
    for (Tree ref : route.spec().get("parentRefs").items()) {
      String kind = ref.text("kind").isEmpty() ? "Gateway" : ref.text("kind");
      String ns = ref.text("namespace").isEmpty() ? route.namespace() : ref.text("namespace");
      String gateway = ns + "/" + ref.text("name");
      for (GatewayListener l : listeners) {
        boolean section = ref.text("sectionName").isEmpty() || ref.text("sectionName").equals(l.name());
        boolean port = ref.integer("port", 0) == 0 || ref.integer("port", 0) == l.port();
        boolean namespace = l.allNamespaces() || l.namespace().equals(route.namespace());
        if (kind.equals("Gateway") && l.gateway().equals(gateway) && section && port && namespace) {
          out.add(l);
        }
      }
    }
    return out;
  }

  private List<String> hostnames(Scope scope, Tree spec, List<GatewayListener> attached) {
    Set<String> hosts = new LinkedHashSet<>();
    for (Tree h : spec.get("hostnames").items()) {
      Optional<String> p = Values.hostPattern(h.text());
      if (p.isEmpty() || p.get().equals("*")) {
        scope.error(h, "\"" + h.text() + "\" is not a host name (expected a name or *.domain)");
      } else if (attached.stream().anyMatch(l -> l.hostname().isEmpty() || Hosts.overlap(l.hostname(), p.get()))) {
        hosts.add(p.get());
      } else {
        scope.warn(h, "host " + p.get() + " matches no attached listener's hostname; ignored");
      }
    }
    if (spec.get("hostnames").items().isEmpty()) {
      attached.forEach(l -> hosts.add(l.hostname().isEmpty() ? "*" : l.hostname()));
    }
    if (hosts.contains("*")) {
      return List.of("*");
    }
    return List.copyOf(hosts);
  }

  private Optional<Route> rule(Scope scope, Tree rule, List<String> hosts, String name) {
    scope.unknownKeys(rule, RULE_KEYS);
    List<RequestMatch> match = new ArrayList<>();
    for (Tree m : rule.get("matches").items()) {
      match(scope, m).ifPresent(match::add);
    }
    if (match.isEmpty()) {
      match.add(RequestMatch.ANY);
    }
    HeaderOps.Edits request = HeaderOps.Edits.NONE;
    HeaderOps.Edits response = HeaderOps.Edits.NONE;
    Optional<Action> redirect = Optional.empty();
    Rewrite rewrite = Rewrite.NONE;
    for (Tree f : rule.get("filters").items()) {
      switch (f.text("type")) {
        case "RequestHeaderModifier" -> request = edits(f.get("requestHeaderModifier"));
        case "ResponseHeaderModifier" -> response = edits(f.get("responseHeaderModifier"));
        case "RequestRedirect" -> redirect = redirect(scope, f.get("requestRedirect"), match);
        case "URLRewrite" -> rewrite = rewrite(scope, f.get("urlRewrite"), match);
        default -> scope.warn(f.get("type"), "filter " + f.text("type") + " is not supported by this build yet; ignored");
      }
    }
    Optional<Action> action = redirect.isPresent() ? redirect : forward(scope, rule.get("backendRefs"));
    Duration timeout = Duration.ZERO;
    Tree timeouts = rule.get("timeouts");
    scope.unknownKeys(timeouts, Set.of("request"));
    if (timeouts.has("request")) {
      timeout = IstioRoutes.timeout(scope, timeouts.get("request"));
    }
    if (action.isEmpty() || hosts.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Route(name, hosts, match, action.get(), rewrite, new HeaderOps(request, response), timeout,
        RetryPolicy.DEFAULT));
  }

  private Optional<RequestMatch> match(Scope scope, Tree m) {
    scope.unknownKeys(m, Set.of("path", "headers", "queryParams", "method"));
    PathMatch path = new PathMatch.Prefix("/");
    Tree p = m.get("path");
    if (p.present()) {
      String value = p.text("value").isEmpty() ? "/" : p.text("value");
      switch (p.text("type").isEmpty() ? "PathPrefix" : p.text("type")) {
        case "Exact" -> path = new PathMatch.Exact(value);
        // The Gateway API matches a prefix by path segment: /foo takes /foo and /foo/bar, not /foobar.
        case "PathPrefix" -> path = value.endsWith("/") ? new PathMatch.Prefix(value)
            : new PathMatch.Regex(java.util.regex.Pattern.quote(value) + "(/.*)?");
        case "RegularExpression" -> {
          Optional<String> x = IstioRoutes.regex(scope, p.get("value"));
          if (x.isEmpty()) {
            return Optional.empty();
          }
          path = new PathMatch.Regex(x.get());
        }
        default -> {
          scope.error(p.get("type"), "expected Exact, PathPrefix or RegularExpression");
          return Optional.empty();
        }
      }
    }
    Map<String, StringMatch> headers = new LinkedHashMap<>();
    for (Tree h : m.get("headers").items()) {
      valueMatch(scope, h).ifPresent(s -> headers.put(h.text("name").toLowerCase(Locale.ROOT), s));
    }
    Map<String, StringMatch> query = new LinkedHashMap<>();
    for (Tree q : m.get("queryParams").items()) {
      valueMatch(scope, q).ifPresent(s -> query.put(q.text("name"), s));
    }
    Set<String> methods = m.has("method") ? Set.of(m.text("method").toUpperCase(Locale.ROOT)) : Set.of();
    return Optional.of(new RequestMatch(path, methods, headers, query));
  }

  private static Optional<StringMatch> valueMatch(Scope scope, Tree h) {
    String type = h.text("type").isEmpty() ? "Exact" : h.text("type");
    if (type.equals("Exact")) {
      return Optional.of(new StringMatch.Exact(h.text("value")));
    }
    if (type.equals("RegularExpression")) {
      return IstioRoutes.regex(scope, h.get("value")).map(StringMatch.Regex::new);
    }
    scope.error(h.get("type"), "expected Exact or RegularExpression");
    return Optional.empty();
  }

  /** The Gateway API writes header edits as lists of {name, value}. */
  private static HeaderOps.Edits edits(Tree m) {
    Map<String, String> set = new LinkedHashMap<>();
    Map<String, String> add = new LinkedHashMap<>();
    m.get("set").items().forEach(h -> set.put(h.text("name").toLowerCase(Locale.ROOT), h.text("value")));
    m.get("add").items().forEach(h -> add.put(h.text("name").toLowerCase(Locale.ROOT), h.text("value")));
    return new HeaderOps.Edits(set, add, m.texts("remove").stream().map(s -> s.toLowerCase(Locale.ROOT)).toList());
  }

  private Optional<Action> forward(Scope scope, Tree refs) {
    List<Action.Backend> backends = new ArrayList<>();
    for (Tree ref : refs.items()) {
      scope.unknownKeys(ref, Set.of("group", "kind", "name", "namespace", "port", "weight"));
      String kind = ref.text("kind").isEmpty() ? "Service" : ref.text("kind");
      if (!kind.equals("Service") || !ref.text("group").isEmpty()) {
        scope.missing(ref, "only Service backends are supported (found " + kind + ")");
        continue;
      }
      String ns = ref.text("namespace").isEmpty() ? scope.resource().namespace() : ref.text("namespace");
      if (!ns.equals(scope.resource().namespace())
          && !granted(scope.resource().namespace(), "HTTPRoute", ns, "Service", ref.text("name"))) {
        scope.missing(ref, "Service " + ns + "/" + ref.text("name") + " is in another namespace and no ReferenceGrant allows it");
        continue;
      }
      Destinations.Target target = new Destinations.Target(ref.text("name") + "." + ns, ref.integer("port", 0), "", ns);
      int weight = ref.integer("weight", 1);
      destinations.upstream(scope, ref, target).ifPresent(u -> backends.add(new Action.Backend(u, weight)));
    }
    if (refs.items().isEmpty()) {
      // The Gateway API answers 500 for a rule with nothing to forward to.
      return Optional.of(new Action.DirectResponse(500, ""));
    }
    if (backends.size() != refs.items().size()) {
      return Optional.empty();
    }
    if (backends.stream().mapToInt(Action.Backend::weight).sum() == 0) {
      return Optional.of(new Action.DirectResponse(500, ""));
    }
    return Optional.of(new Action.Forward(backends));
  }

  private Optional<Action> redirect(Scope scope, Tree r, List<RequestMatch> match) {
    scope.unknownKeys(r, Set.of("scheme", "hostname", "path", "port", "statusCode"));
    int status = r.integer("statusCode", 302);
    String path = "";
    Tree p = r.get("path");
    if (p.present()) {
      if (p.text("type").equals("ReplaceFullPath")) {
        path = p.text("replaceFullPath");
      } else {
        scope.warn(p, "only ReplaceFullPath is supported in a redirect; the path is kept");
      }
    }
    if (status != 301 && status != 302) {
      scope.error(r.get("statusCode"), "expected 301 or 302");
      return Optional.empty();
    }
    return Optional.of(new Action.Redirect(r.text("scheme"), r.text("hostname").toLowerCase(Locale.ROOT),
        r.integer("port", 0), path, status));
  }

  private Rewrite rewrite(Scope scope, Tree r, List<RequestMatch> match) {
    scope.unknownKeys(r, Set.of("hostname", "path"));
    Rewrite.PathRewrite path = new Rewrite.PathRewrite.Keep();
    Tree p = r.get("path");
    if (p.text("type").equals("ReplaceFullPath")) {
      path = new Rewrite.PathRewrite.Regex("^.*$", p.text("replaceFullPath"));
    } else if (p.text("type").equals("ReplacePrefixMatch")) {
      if (match.stream().allMatch(m -> m.path() instanceof PathMatch.Prefix)) {
        path = new Rewrite.PathRewrite.Prefix(p.text("replacePrefixMatch"));
      } else {
        Optional<String> prefix = match.stream().map(m -> m.path() instanceof PathMatch.Regex x ? x.pattern() : "")
            .filter(x -> x.endsWith("(/.*)?")).findFirst();
        if (prefix.isPresent() && match.size() == 1) {
          String quoted = prefix.get().substring(0, prefix.get().length() - "(/.*)?".length());
          String replacement = p.text("replacePrefixMatch").replaceAll("/+$", "");
          path = new Rewrite.PathRewrite.Regex("^" + quoted + "/?(.*)$", replacement + "/\\1");
        } else {
          scope.warn(p, "ReplacePrefixMatch needs one PathPrefix match; the path is kept");
        }
      }
    }
    return new Rewrite(path, r.text("hostname").toLowerCase(Locale.ROOT));
  }
}
