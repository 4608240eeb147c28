package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.Cors;
import io.gatehouse.routes.HeaderOps;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.Mirror;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Rewrite;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.StringMatch;
import io.gatehouse.routes.load.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Gateway API {@code HTTPRoute}s attached (through {@code parentRefs}) to a listener of this
 * gateway become routes, one per rule and match, named {@code httproute.<ns>.<name>.<rule>.<match>},
 * ordered by the Gateway API's precedence: exact paths, then longer paths, then method, header
 * and query matches; ties keep namespace/name order. GRPCRoutes become routes the same way
 * ({@code grpcroute.<ns>.<name>.<rule>.<match>}), their methods matched as paths and their
 * backends spoken to in HTTP/2.
 */
final class HttpRoutes {
  /** What follows the quoted literal of a PathPrefix: the rest of the path, by whole segments. */
  static final String SEGMENT = "(/.*)?";
  /** Any gRPC service or method name: one path segment. */
  private static final String ANY_PART = "[^/]+";
  private static final Set<String> RULE_KEYS = Set.of("name", "matches", "filters", "backendRefs", "timeouts", "retry");

  private final Catalog catalog;
  private final Destinations destinations;
  private final GatewayApi gateways;

  HttpRoutes(Catalog catalog, Destinations destinations, GatewayApi gateways) {
    this.catalog = catalog;
    this.destinations = destinations;
    this.gateways = gateways;
  }

  void routes(RouteSet routes, Report report) {
    int first = routes.size();
    translate(catalog.of(Kinds.HTTP_ROUTE), routes, report);
    routes.sortFrom(first, PRECEDENCE);
    int grpc = routes.size();
    translate(catalog.of(Kinds.GRPC_ROUTE), routes, report);
    routes.sortFrom(grpc, GRPC_PRECEDENCE);
  }

  private void translate(List<MeshResource> resources, RouteSet routes, Report report) {
    for (MeshResource r : resources) {
      boolean grpc = Kinds.GRPC_ROUTE.is(r);
      Tree spec = r.spec();
      List<GatewayApi.GatewayListener> attached = attached(r);
      if (attached.isEmpty()) {
        continue;
      }
      report.run(r, scope -> {
        scope.unknownKeys(spec, Set.of("parentRefs", "hostnames", "rules"));
        List<String> hosts = hostnames(scope, spec, attached);
        List<Route> out = new ArrayList<>();
        List<Tree> rules = spec.get("rules").items();
        for (int i = 0; i < rules.size(); i++) {
          rule(scope, rules.get(i), hosts, (grpc ? "grpcroute." : "httproute.") + r.namespace() + "." + r.name() + "." + i)
              .forEach(route -> out.add(route.onListeners(listenerNames(attached))));
        }
        if (rules.isEmpty()) {
          scope.error(spec.get("rules"), "at least one rule is required");
        }
        routes.checkConflicts(scope, spec.get("rules"), out);
        if (!scope.failed()) {
          routes.add(r.id(), out);
        }
      });
    }
  }

  /** The gateway listeners that {@code attached} became: a route serves on those only (parentRefs, sectionName, port). */
  static List<String> listenerNames(List<GatewayApi.GatewayListener> attached) {
    return attached.stream().map(l -> ListenerPlan.name(l.port())).distinct().sorted().toList();
  }

  /**
   * The listeners {@code route} attaches to: TLS ones (Passthrough, or Terminate: TCP behind TLS)
   * for a TLSRoute, plain TCP ones for a TCPRoute, HTTP(S) ones for the others.
   */
  List<GatewayApi.GatewayListener> attached(MeshResource route) {
    boolean tlsRoute = Kinds.TLS_ROUTE.is(route);
    boolean tcpRoute = Kinds.TCP_ROUTE.is(route);
    List<GatewayApi.GatewayListener> out = new ArrayList<>();
    for (Tree ref : route.spec().get("parentRefs").itemsOrEmpty()) {
      String kind = ref.text("kind").isEmpty() ? "Gateway" : ref.text("kind");
      String ns = ref.text("namespace").isEmpty() ? route.namespace() : ref.text("namespace");
      String gateway = ns + "/" + ref.text("name");
      for (GatewayApi.GatewayListener l : gateways.listeners()) {
        boolean section = ref.text("sectionName").isEmpty() || ref.text("sectionName").equals(l.name());
        boolean port = ref.integer("port", 0) == 0 || ref.integer("port", 0) == l.port();
        boolean namespace = l.allNamespaces() || l.namespace().equals(route.namespace());
        boolean protocol = tlsRoute ? l.protocol() == Listener.Protocol.TLS_PASSTHROUGH || l.terminatesTls()
            : tcpRoute ? l.protocol() == Listener.Protocol.TCP && !l.terminatesTls()
            : l.protocol() == Listener.Protocol.HTTP || l.protocol() == Listener.Protocol.HTTPS;
        if (kind.equals("Gateway") && l.gateway().equals(gateway) && section && port && namespace && protocol) {
          out.add(l);
        }
      }
    }
    return out;
  }

  List<String> hostnames(Scope scope, Tree spec, List<GatewayApi.GatewayListener> attached) {
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

  private List<Route> rule(Scope scope, Tree rule, List<String> hosts, String name) {
    scope.unknownKeys(rule, RULE_KEYS);
    List<RequestMatch> match = new ArrayList<>();
    boolean grpc = Kinds.GRPC_ROUTE.is(scope.resource());
    for (Tree m : rule.get("matches").items()) {
      (grpc ? grpcMatch(scope, m) : match(scope, m)).ifPresent(match::add);
    }
    if (match.isEmpty()) {
      match.add(RequestMatch.ANY);
    }
    HeaderOps.Edits request = HeaderOps.Edits.NONE;
    HeaderOps.Edits response = HeaderOps.Edits.NONE;
    Optional<Action> redirect = Optional.empty();
    Tree urlRewrite = Tree.missing("");
    Mirror mirror = Mirror.NONE;
    Cors cors = Cors.NONE;
    for (Tree f : rule.get("filters").items()) {
      switch (f.text("type")) {
        case "CORS" -> cors = IstioRoutePolicies.gatewayApiCors(scope, f.get("cors"));
        case "RequestMirror" -> {
          if (mirror.equals(Mirror.NONE)) {
            mirror = mirror(scope, f.get("requestMirror"));
          } else {
            scope.warn(f, "only one mirror per route is supported; this one is ignored");
          }
        }
        case "RequestHeaderModifier" -> request = edits(f.get("requestHeaderModifier"));
        case "ResponseHeaderModifier" -> response = edits(f.get("responseHeaderModifier"));
        case "RequestRedirect" -> redirect = redirect(scope, f.get("requestRedirect"));
        case "URLRewrite" -> urlRewrite = f.get("urlRewrite");
        default -> scope.warn(f.get("type"), "filter " + f.text("type") + " is not supported by this build yet; ignored");
      }
    }
    Optional<Action> action = redirect.isPresent() ? redirect : forward(scope, rule.get("backendRefs"));
    Duration timeout = Duration.ZERO;
    Tree timeouts = rule.get("timeouts");
    scope.unknownKeys(timeouts, Set.of("request", "backendRequest"));
    if (timeouts.has("request")) {
      timeout = IstioRoutes.timeout(scope, timeouts.get("request"));
    }
    RetryPolicy retries = retries(scope, rule.get("retry"),
        timeouts.has("backendRequest") ? IstioRoutes.timeout(scope, timeouts.get("backendRequest")) : Duration.ZERO);
    if (action.isEmpty() || hosts.isEmpty()) {
      return List.of();
    }
    // One route per match: precedence orders matches, not rules.
    List<Route> out = new ArrayList<>();
    for (int j = 0; j < match.size(); j++) {
      List<RequestMatch> one = List.of(match.get(j));
      Rewrite rewrite = urlRewrite.present() ? rewrite(scope, urlRewrite, one) : Rewrite.NONE;
      out.add(Route.builder(name + "." + j, action.get()).hosts(hosts).match(one).rewrite(rewrite)
          .headers(new HeaderOps(request, response)).timeout(timeout).retries(retries).mirror(mirror).cors(cors).build());
    }
    return out;
  }

  /**
   * The Gateway API's precedence between matches: an exact path first, then the longest path,
   * then a method match, then more header matches, then more query matches.
   */
  static final Comparator<Route> PRECEDENCE = Comparator
      .comparing((Route r) -> !(r.match().get(0).path() instanceof PathMatch.Exact))
      .thenComparing(r -> -pathLength(r.match().get(0).path()))
      .thenComparing(r -> r.match().get(0).methods().isEmpty())
      .thenComparing(r -> -r.match().get(0).headers().size())
      .thenComparing(r -> -r.match().get(0).query().size());

  /**
   * The Gateway API's precedence between GRPCRoute matches: an exact method (service and method)
   * first, then the longer service, then the longer method, then more header matches.
   */
  static final Comparator<Route> GRPC_PRECEDENCE = Comparator
      .comparing((Route r) -> !(r.match().get(0).path() instanceof PathMatch.Exact))
      .thenComparing(r -> -grpcParts(r.match().get(0).path())[0])
      .thenComparing(r -> -grpcParts(r.match().get(0).path())[1])
      .thenComparing(r -> -r.match().get(0).headers().size());

  /** The lengths of the service and method a GRPCRoute match (as {@link #grpcMatch} writes it) names; a wildcard is 0. */
  private static int[] grpcParts(PathMatch path) {
    String text = path instanceof PathMatch.Exact e ? e.path()
        : path instanceof PathMatch.Prefix p ? p.prefix() : ((PathMatch.Regex) path).pattern();
    if (path instanceof PathMatch.Regex && text.startsWith("/(")) {
      String[] parts = text.substring(2, text.length() - 1).split("\\)/\\(", 2);
      return new int[] {parts[0].equals(ANY_PART) ? 0 : parts[0].length(),
          parts.length < 2 || parts[1].equals(ANY_PART) ? 0 : parts[1].length()};
    }
    if (path instanceof PathMatch.Regex) {
      return new int[] {0, text.length() - ("/" + ANY_PART + "/\\Q\\E").length()};
    }
    String[] parts = text.substring(1).split("/", 2);
    return new int[] {parts[0].length(), parts.length < 2 ? 0 : parts[1].length()};
  }

  /** The length of the path a match names; a segment prefix ({@code \Q/foo\E(/.*)?}) counts its literal. */
  private static int pathLength(PathMatch path) {
    if (path instanceof PathMatch.Exact e) {
      return e.path().length();
    }
    if (path instanceof PathMatch.Prefix p) {
      return p.prefix().length();
    }
    String pattern = ((PathMatch.Regex) path).pattern();
    if (pattern.startsWith("\\Q") && pattern.endsWith(SEGMENT)) {
      return pattern.length() - "\\Q\\E".length() - SEGMENT.length();
    }
    return pattern.length();
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
            : new PathMatch.Regex(java.util.regex.Pattern.quote(value) + SEGMENT);
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

  /**
   * A GRPCRoute match: the method as the path {@code /service/method} (Exact: the whole path, or
   * {@code /service/} as a prefix, or any service with that method; RegularExpression: both parts
   * as regexes), and headers.
   */
  private Optional<RequestMatch> grpcMatch(Scope scope, Tree m) {
    scope.unknownKeys(m, Set.of("method", "headers"));
    PathMatch path = new PathMatch.Prefix("/");
    Tree method = m.get("method");
    if (method.present()) {
      scope.unknownKeys(method, Set.of("type", "service", "method"));
      String service = method.text("service");
      String name = method.text("method");
      if (service.isEmpty() && name.isEmpty()) {
        scope.error(method, "service or method is required");
        return Optional.empty();
      }
      switch (method.text("type").isEmpty() ? "Exact" : method.text("type")) {
        case "Exact" -> path = !service.isEmpty() && !name.isEmpty() ? new PathMatch.Exact("/" + service + "/" + name)
            : !service.isEmpty() ? new PathMatch.Prefix("/" + service + "/")
            : new PathMatch.Regex("/" + ANY_PART + "/" + java.util.regex.Pattern.quote(name));
        case "RegularExpression" -> {
          if ((!service.isEmpty() && IstioRoutes.regex(scope, method.get("service")).isEmpty())
              || (!name.isEmpty() && IstioRoutes.regex(scope, method.get("method")).isEmpty())) {
            return Optional.empty();
          }
          path = new PathMatch.Regex("/(" + (service.isEmpty() ? ANY_PART : service) + ")/("
              + (name.isEmpty() ? ANY_PART : name) + ")");
        }
        default -> {
          scope.error(method.get("type"), "expected Exact or RegularExpression");
          return Optional.empty();
        }
      }
    }
    Map<String, StringMatch> headers = new LinkedHashMap<>();
    for (Tree h : m.get("headers").items()) {
      valueMatch(scope, h).ifPresent(s -> headers.put(h.text("name").toLowerCase(Locale.ROOT), s));
    }
    return Optional.of(new RequestMatch(path, Set.of(), headers, Map.of()));
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

  /**
   * The weighted forward of a route kind without matches (TLSRoute, TCPRoute): only its first
   * rule counts (later ones are warned about), and that rule's {@code backendRefs} must name at
   * least one backend of positive weight. Empty when the rules are unusable (errors reported).
   */
  Optional<Action> onlyRuleForward(Scope scope, Tree spec, String kind) {
    List<Tree> rules = spec.get("rules").items();
    if (rules.isEmpty()) {
      scope.error(spec.get("rules"), "at least one rule is required");
      return Optional.empty();
    }
    for (int i = 1; i < rules.size(); i++) {
      scope.warn(rules.get(i), kind + " rules have no matches, so only the first one is used; ignored");
    }
    Tree rule = rules.get(0);
    scope.unknownKeys(rule, Set.of("name", "backendRefs"));
    if (rule.get("backendRefs").items().isEmpty()) {
      scope.error(rule.get("backendRefs"), "at least one backend is required");
      return Optional.empty();
    }
    Optional<Action> action = forward(scope, rule.get("backendRefs"));
    if (action.isPresent() && !(action.get() instanceof Action.Forward)) {
      scope.error(rule.get("backendRefs"), "backend weights add up to 0");
      return Optional.empty();
    }
    return action;
  }

  /** Service backends with ports and weights; none (or all weights 0) answers 500, as the Gateway API says. */
  Optional<Action> forward(Scope scope, Tree refs) {
    List<Action.Backend> backends = new ArrayList<>();
    for (Tree ref : refs.items()) {
      scope.unknownKeys(ref, Set.of("group", "kind", "name", "namespace", "port", "weight"));
      int weight = ref.integer("weight", 1);
      service(scope, ref).ifPresent(u -> backends.add(new Action.Backend(u, weight)));
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

  /**
   * {@code retry} (codes, attempts, backoff) and {@code timeouts.backendRequest} (the timeout of
   * each try). {@code backoff} is the minimum wait between tries, as the spec says ("not retried
   * before the configured minimum duration"): each wait is that, plus jitter below it doubling per
   * retry up to ten times it ({@link RetryPolicy.Backoff#atLeast}). Without {@code retry}, the
   * native default: one retry on connect failure.
   */
  private static RetryPolicy retries(Scope scope, Tree r, Duration perTry) {
    if (!r.present()) {
      return new RetryPolicy(RetryPolicy.DEFAULT.attempts(), perTry, true, false, java.util.Set.of(), false);
    }
    scope.unknownKeys(r, Set.of("codes", "attempts", "backoff"));
    RetryPolicy.Backoff backoff = RetryPolicy.Backoff.DEFAULT;
    if (r.has("backoff")) {
      Duration base = IstioRoutes.timeout(scope, r.get("backoff"));
      if (!base.isZero()) {
        backoff = RetryPolicy.Backoff.atLeast(base);
      }
    }
    Set<Integer> codes = new java.util.HashSet<>();
    for (Tree c : r.get("codes").items()) {
      int code = c.node().asInt(0);
      if (code < 400 || code > 599) {
        scope.error(c, "expected an HTTP status 400..599");
      } else {
        codes.add(code);
      }
    }
    int attempts = r.integer("attempts", 1);
    return attempts <= 0 ? RetryPolicy.NONE
        : new RetryPolicy(attempts, perTry, true, false, codes, false, backoff);
  }

  /** The upstream for a Service reference (another namespace needs a ReferenceGrant), or empty after reporting why. */
  private Optional<String> service(Scope scope, Tree ref) {
    String kind = ref.text("kind").isEmpty() ? "Service" : ref.text("kind");
    if (!kind.equals("Service") || !ref.text("group").isEmpty()) {
      scope.missing(ref, "only Service backends are supported (found " + kind + ")");
      return Optional.empty();
    }
    String ns = ref.text("namespace").isEmpty() ? scope.resource().namespace() : ref.text("namespace");
    if (!ns.equals(scope.resource().namespace())
        && !gateways.granted(scope.resource().namespace(), scope.resource().kind(), ns, "Service", ref.text("name"))) {
      scope.missing(ref, "Service " + ns + "/" + ref.text("name") + " is in another namespace and no ReferenceGrant allows it");
      return Optional.empty();
    }
    Destinations.Target target = new Destinations.Target(ref.text("name") + "." + ns, ref.integer("port", 0), "", ns);
    return destinations.upstream(scope, ref, target, Kinds.GRPC_ROUTE.is(scope.resource()));
  }

  /** A RequestMirror filter: its backend as the route's mirror, {@code percent} or {@code fraction} (100 % when neither). */
  private Mirror mirror(Scope scope, Tree m) {
    scope.unknownKeys(m, Set.of("backendRef", "percent", "fraction"));
    double percent = 100;
    if (m.has("percent")) {
      percent = m.integer("percent", -1);
    } else if (m.has("fraction")) {
      int denominator = m.get("fraction").integer("denominator", 100);
      percent = denominator <= 0 ? -1 : 100.0 * m.get("fraction").integer("numerator", -1) / denominator;
    }
    if (percent < 0 || percent > 100) {
      scope.error(m.has("percent") ? m.get("percent") : m.get("fraction"), "expected a share of requests 0..100 %");
      return Mirror.NONE;
    }
    Tree ref = m.get("backendRef");
    scope.unknownKeys(ref, Set.of("group", "kind", "name", "namespace", "port"));
    double chosen = percent;
    return service(scope, ref).map(u -> new Mirror(u, chosen)).orElse(Mirror.NONE);
  }

  private Optional<Action> redirect(Scope scope, Tree r) {
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
            .filter(x -> x.endsWith(SEGMENT)).findFirst();
        if (prefix.isPresent() && match.size() == 1) {
          String quoted = prefix.get().substring(0, prefix.get().length() - SEGMENT.length());
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
