package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.HeaderOps;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Rewrite;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.StickySession;
import io.gatehouse.routes.StringMatch;
import io.gatehouse.routes.load.Values;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * VirtualServices bound to a selected Istio Gateway become routes, one per {@code http} entry,
 * named {@code istio.<ns>.<name>.<index>}, in the VirtualService's order, then one per {@code tls}
 * entry ({@code istio.<ns>.<name>.tls.<index>}). Each Istio feature is
 * one small method, so features the native model gains later are wired in one place.
 */
final class IstioRoutes {
  private static final Set<String> SPEC_KEYS = Set.of("hosts", "gateways", "http", "tls", "tcp", "exportTo");
  private static final Set<String> HTTP_KEYS = Set.of("name", "match", "route", "redirect", "directResponse",
      "rewrite", "timeout", "retries", "headers", "fault", "mirror", "mirrors", "mirrorPercentage", "mirror_percent",
      "mirrorPercent", "corsPolicy");
  private static final Set<String> LATER = Set.of("delegate");
  private static final Set<String> MATCH_KEYS = Set.of("name", "uri", "method", "headers", "queryParams", "ignoreUriCase");

  private final Catalog catalog;
  private final Destinations destinations;
  /** TCP listener → the tcp route that took it first. */
  private final Map<String, String> tcpOwners = new java.util.HashMap<>();
  private final Map<String, List<IstioGateways.ServerHost>> gateways;
  private final IstioRoutePolicies policies;

  IstioRoutes(Catalog catalog, Destinations destinations, Map<String, List<IstioGateways.ServerHost>> gateways) {
    this.catalog = catalog;
    this.destinations = destinations;
    this.gateways = gateways;
    this.policies = new IstioRoutePolicies(destinations);
  }

  void translate(RouteSet routes, Report report) {
    for (MeshResource r : catalog.of(Kinds.VIRTUAL_SERVICE)) {
      Tree spec = r.spec();
      List<List<IstioGateways.ServerHost>> bound = new ArrayList<>();
      for (String ref : spec.textsOrEmpty("gateways")) {
        String key = ref.contains("/") ? ref : r.namespace() + "/" + ref;
        if (gateways.containsKey(key)) {
          bound.add(gateways.get(key));
        }
      }
      if (bound.isEmpty()) {
        continue;
      }
      report.run(r, scope -> {
        for (String key : spec.keys()) {
          if (!SPEC_KEYS.contains(key)) {
            scope.notYet(spec.get(key));
          }
        }
        List<String> hosts = hosts(scope, spec, r.namespace(), bound);
        // Bound to the listeners of the servers that serve them: a route for one Gateway's port
        // does not answer on another listener.
        List<String> httpListeners = listeners(bound, r.namespace(), hosts,
            Set.of(Listener.Protocol.HTTP, Listener.Protocol.HTTPS));
        List<String> tlsListeners = listeners(bound, r.namespace(), hosts, Set.of(Listener.Protocol.TLS_PASSTHROUGH));
        List<String> tcpListeners = listeners(bound, r.namespace(), hosts, Set.of(Listener.Protocol.TCP));
        List<Route> out = new ArrayList<>();
        List<Tree> http = spec.get("http").items();
        if (!http.isEmpty() && !hosts.isEmpty() && httpListeners.isEmpty()) {
          scope.warn(spec.get("http"), "no HTTP or HTTPS server of the bound Gateways serves these hosts; http routes ignored");
        }
        // Translated even when no listener takes them, so their own problems are reported.
        for (int i = 0; i < http.size(); i++) {
          route(scope, http.get(i), hosts, "istio." + r.namespace() + "." + r.name() + "." + i)
              .filter(route -> !httpListeners.isEmpty()).ifPresent(route -> out.add(route.onListeners(httpListeners)));
        }
        List<Tree> tls = spec.get("tls").items();
        if (!tls.isEmpty() && !hosts.isEmpty() && tlsListeners.isEmpty()) {
          scope.warn(spec.get("tls"), "no TLS PASSTHROUGH server of the bound Gateways serves these hosts; tls routes ignored");
        }
        for (int i = 0; i < tls.size(); i++) {
          tlsRoute(scope, tls.get(i), hosts, "istio." + r.namespace() + "." + r.name() + ".tls." + i)
              .filter(route -> !tlsListeners.isEmpty()).ifPresent(route -> out.add(route.onListeners(tlsListeners)));
        }
        List<Tree> tcp = spec.get("tcp").items();
        if (!tcp.isEmpty() && !hosts.isEmpty() && tcpListeners.isEmpty()) {
          scope.warn(spec.get("tcp"), "no TCP server of the bound Gateways serves these hosts; tcp routes ignored");
        }
        for (int i = 0; i < tcp.size(); i++) {
          tcpRoute(scope, tcp.get(i), tcpListeners, "istio." + r.namespace() + "." + r.name() + ".tcp." + i)
              .ifPresent(out::add);
        }
        routes.checkConflicts(scope, spec.get("hosts"), out);
        if (!scope.failed()) {
          routes.add(r.id(), out);
        }
      });
    }
  }

  /** The listeners of {@code protocols} of the bound servers that admit {@code ns} and serve one of {@code hosts}. */
  private static List<String> listeners(List<List<IstioGateways.ServerHost>> bound, String ns, List<String> hosts,
                                        Set<Listener.Protocol> protocols) {
    return bound.stream().flatMap(List::stream)
        .filter(s -> !s.listener().isEmpty() && protocols.contains(s.protocol()))
        .filter(s -> (s.namespace().equals("*") || s.namespace().equals(ns)) && hosts.stream().anyMatch(h -> Hosts.overlap(s.host(), h)))
        .map(IstioGateways.ServerHost::listener).distinct().sorted().toList();
  }

  private List<String> hosts(Scope scope, Tree spec, String ns, List<List<IstioGateways.ServerHost>> bound) {
    List<String> hosts = new ArrayList<>();
    for (Tree h : spec.get("hosts").items()) {
      Optional<String> pattern = Values.hostPattern(h.text());
      if (pattern.isEmpty()) {
        scope.error(h, "\"" + h.text() + "\" is not a host (expected a name, *.domain or *)");
        continue;
      }
      boolean served = bound.stream().flatMap(List::stream)
          .anyMatch(s -> (s.namespace().equals("*") || s.namespace().equals(ns)) && Hosts.overlap(s.host(), pattern.get()));
      if (served) {
        hosts.add(pattern.get());
      } else {
        scope.warn(h, "host " + pattern.get() + " is not served by any server of the bound Gateways (or not to"
            + " namespace " + ns + "); ignored");
      }
    }
    if (spec.get("hosts").items().isEmpty()) {
      scope.error(spec.get("hosts"), "at least one host is required");
    }
    return hosts;
  }

  private Optional<Route> route(Scope scope, Tree http, List<String> hosts, String name) {
    for (String key : http.keys()) {
      if (LATER.contains(key)) {
        scope.notYet(http.get(key));
      } else if (!HTTP_KEYS.contains(key)) {
        scope.warn(http.get(key), "unknown field; ignored");
      }
    }
    List<RequestMatch> match = new ArrayList<>();
    for (Tree m : http.get("match").items()) {
      match(scope, m).ifPresent(match::add);
    }
    if (match.isEmpty()) {
      match.add(RequestMatch.ANY);
    }
    Optional<Action> action = action(scope, http);
    if (action.isEmpty() || hosts.isEmpty()) {
      return Optional.empty();
    }
    Rewrite rewrite = rewrite(scope, http.get("rewrite"), match);
    HeaderOps headers = new HeaderOps(edits(http.get("headers").get("request")), edits(http.get("headers").get("response")));
    Route.Builder route = Route.builder(name, action.get()).hosts(hosts).match(match).rewrite(rewrite).headers(headers)
        .timeout(timeout(scope, http.get("timeout"))).retries(retries(scope, http.get("retries")))
        .fault(IstioRoutePolicies.fault(scope, http.get("fault"))).mirror(policies.mirror(scope, http))
        .cors(IstioRoutePolicies.cors(scope, http.get("corsPolicy")));
    if (action.get() instanceof Action.Forward forward) {
      // A DestinationRule's httpCookie with ttl: the route sets and honours the cookie (the first such destination's).
      forward.backends().stream().map(b -> destinations.stickySession(b.upstream()))
          .filter(StickySession::enabled).findFirst().ifPresent(route::stickySession);
    }
    return Optional.of(route.build());
  }

  /**
   * A {@code tls} entry: a route whose hosts are its {@code sniHosts} and whose backends are its
   * destinations, for TLS_PASSTHROUGH listeners (matched by SNI, the stream forwarded as is). It is
   * bound to the passthrough servers' listeners, so the same host may also be routed over {@code http}.
   */
  private Optional<Route> tlsRoute(Scope scope, Tree tls, List<String> hosts, String name) {
    scope.unknownKeys(tls, Set.of("match", "route"));
    List<Tree> matches = tls.get("match").items();
    if (matches.isEmpty()) {
      scope.error(tls.get("match"), "at least one match with sniHosts is required");
      return Optional.empty();
    }
    List<String> sni = new ArrayList<>();
    for (Tree m : matches) {
      scope.unknownKeys(m, Set.of("sniHosts"));
      List<Tree> sniHosts = m.get("sniHosts").items();
      if (sniHosts.isEmpty()) {
        scope.error(m.get("sniHosts"), "at least one SNI host is required");
      }
      for (Tree h : sniHosts) {
        Optional<String> pattern = Values.hostPattern(h.text());
        if (pattern.isEmpty()) {
          scope.error(h, "\"" + h.text() + "\" is not a host (expected a name, *.domain or *)");
        } else if (hosts.stream().noneMatch(v -> Hosts.overlap(v, pattern.get()))) {
          scope.warn(h, "SNI host " + pattern.get() + " is not among the VirtualService's served hosts; ignored");
        } else if (!sni.contains(pattern.get())) {
          sni.add(pattern.get());
        }
      }
    }
    Optional<Action> action = forward(scope, tls.get("route"));
    if (action.isEmpty() || sni.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Route.builder(name, action.get()).hosts(sni).timeout(Route.NO_TIMEOUT).retries(RetryPolicy.NONE)
        .build());
  }

  /**
   * A {@code tcp} entry: its {@code match} ports pick TCP servers of the bound Gateways (all of them
   * without a match), and each connection on them goes to the weighted destinations. A TCP listener
   * takes one route, the first translated (as Istio uses the first match); later ones are warned about.
   */
  private Optional<Route> tcpRoute(Scope scope, Tree tcp, List<String> tcpListeners, String name) {
    scope.unknownKeys(tcp, Set.of("match", "route"));
    List<String> on = new ArrayList<>();
    List<Tree> matches = tcp.get("match").items();
    for (Tree m : matches) {
      scope.unknownKeys(m, Set.of("port", "destinationSubnets", "sourceLabels", "gateways", "sourceNamespace",
          "sourceSubnet"));
      for (String key : m.keys()) {
        if (!key.equals("port")) {
          scope.warn(m.get(key), "not supported on a gateway's TCP route (only port is); ignored");
        }
      }
      int port = m.integer("port", 0);
      String listener = ListenerPlan.name(port);
      if (port <= 0) {
        on.addAll(tcpListeners);
      } else if (tcpListeners.contains(listener)) {
        on.add(listener);
      } else {
        scope.warn(m.get("port"), "no TCP server of the bound Gateways listens on port " + port + "; ignored");
      }
    }
    if (matches.isEmpty()) {
      on.addAll(tcpListeners);
    }
    List<String> free = new ArrayList<>();
    for (String listener : on.stream().distinct().sorted().toList()) {
      String owner = tcpOwners.putIfAbsent(listener, name);
      if (owner == null) {
        free.add(listener);
      } else {
        scope.warn(tcp, "TCP listener " + listener + " already forwards to " + owner + " (one route per TCP port);"
            + " ignored there");
      }
    }
    Optional<Action> action = forward(scope, tcp.get("route"));
    if (action.isEmpty() || free.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Route.builder(name, action.get()).timeout(Route.NO_TIMEOUT).retries(RetryPolicy.NONE)
        .listeners(free).build());
  }

  private Optional<RequestMatch> match(Scope scope, Tree m) {
    scope.unknownKeys(m, MATCH_KEYS);
    PathMatch path = new PathMatch.Prefix("/");
    Tree uri = m.get("uri");
    if (uri.present()) {
      Optional<StringMatch> s = stringMatch(scope, uri);
      if (s.isEmpty()) {
        return Optional.empty();
      }
      if (s.get() instanceof StringMatch.Exact e) {
        path = new PathMatch.Exact(e.value());
      } else if (s.get() instanceof StringMatch.Prefix p) {
        path = new PathMatch.Prefix(p.value());
      } else if (s.get() instanceof StringMatch.Regex x) {
        path = new PathMatch.Regex(x.pattern());
      }
      if (m.get("ignoreUriCase").node().asBoolean(false)) {
        path = caseInsensitive(path);
      }
    }
    Set<String> methods = new LinkedHashSet<>();
    Tree method = m.get("method");
    if (method.present()) {
      if (method.has("exact")) {
        methods.add(method.text("exact").toUpperCase(Locale.ROOT));
      } else {
        scope.warn(method, "only exact method matches are supported; this match is left out");
        return Optional.empty();
      }
    }
    Map<String, StringMatch> headers = new LinkedHashMap<>();
    for (String h : m.get("headers").keys()) {
      stringMatch(scope, m.get("headers").get(h)).ifPresent(s -> headers.put(h.toLowerCase(Locale.ROOT), s));
    }
    Map<String, StringMatch> query = new LinkedHashMap<>();
    for (String q : m.get("queryParams").keys()) {
      stringMatch(scope, m.get("queryParams").get(q)).ifPresent(s -> query.put(q, s));
    }
    return Optional.of(new RequestMatch(path, methods, headers, query));
  }

  /**
   * {@code ignoreUriCase}: the path match as a case-insensitive regex (a uri rewrite then needs
   * uriRegexRewrite). The JDK's quote gives {@code \Q...\E}, which RE2 reads the same way.
   */
  private static PathMatch caseInsensitive(PathMatch path) {
    if (path instanceof PathMatch.Exact e) {
      return new PathMatch.Regex("(?i)" + java.util.regex.Pattern.quote(e.path()));
    }
    if (path instanceof PathMatch.Prefix p) {
      return new PathMatch.Regex("(?i)" + java.util.regex.Pattern.quote(p.prefix()) + ".*");
    }
    return new PathMatch.Regex("(?i)" + ((PathMatch.Regex) path).pattern());
  }

  /** Istio's StringMatch: exact, prefix or regex (RE2, checked and run with RE2/J); an empty one means "present". */
  static Optional<StringMatch> stringMatch(Scope scope, Tree s) {
    if (s.has("exact")) {
      return Optional.of(new StringMatch.Exact(s.text("exact")));
    }
    if (s.has("prefix")) {
      return Optional.of(new StringMatch.Prefix(s.text("prefix")));
    }
    if (s.has("regex")) {
      return regex(scope, s.get("regex")).map(StringMatch.Regex::new);
    }
    if (s.keys().isEmpty()) {
      return Optional.of(new StringMatch.Present());
    }
    scope.error(s, "expected one of exact, prefix, regex");
    return Optional.empty();
  }

  static Optional<String> regex(Scope scope, Tree at) {
    try {
      com.google.re2j.Pattern.compile(at.text());
      return Optional.of(at.text());
    } catch (com.google.re2j.PatternSyntaxException e) {
      scope.error(at, "\"" + at.text() + "\" is not a valid regular expression: " + e.getDescription());
      return Optional.empty();
    }
  }

  private Optional<Action> action(Scope scope, Tree http) {
    List<String> present = List.of("route", "redirect", "directResponse").stream().filter(http::has).toList();
    if (present.size() != 1) {
      if (!http.has("delegate")) {
        scope.error(http, "expected exactly one of route, redirect, directResponse (found "
            + (present.isEmpty() ? "none" : String.join(", ", present)) + ")");
      }
      return Optional.empty();
    }
    return switch (present.get(0)) {
      case "route" -> forward(scope, http.get("route"));
      case "redirect" -> redirect(scope, http.get("redirect"));
      default -> directResponse(scope, http.get("directResponse"));
    };
  }

  private Optional<Action> forward(Scope scope, Tree route) {
    List<Action.Backend> backends = new ArrayList<>();
    List<Tree> items = route.items();
    for (Tree d : items) {
      scope.unknownKeys(d, Set.of("destination", "weight"));
      Tree dest = d.get("destination");
      scope.unknownKeys(dest, Set.of("host", "subset", "port"));
      Destinations.Target target = new Destinations.Target(dest.text("host"), dest.get("port").integer("number", 0),
          dest.text("subset"), scope.resource().namespace());
      int weight = d.integer("weight", items.size() == 1 ? 100 : 0);
      destinations.upstream(scope, dest, target).ifPresent(u -> backends.add(new Action.Backend(u, weight)));
    }
    if (items.isEmpty()) {
      scope.error(route, "at least one destination is required");
    } else if (backends.stream().mapToInt(Action.Backend::weight).sum() == 0 && backends.size() == items.size()) {
      scope.error(route, "weights add up to 0");
    }
    return backends.size() == items.size() && !items.isEmpty() ? Optional.of(new Action.Forward(backends)) : Optional.empty();
  }

  private Optional<Action> redirect(Scope scope, Tree r) {
    scope.unknownKeys(r, Set.of("uri", "authority", "port", "scheme", "redirectCode", "derivePort"));
    if (r.has("derivePort")) {
      scope.notYet(r.get("derivePort"));
    }
    int status = r.integer("redirectCode", 301);
    if (!Set.of(301, 302, 303, 307, 308).contains(status)) {
      scope.error(r.get("redirectCode"), status + " is not a redirect status (expected 301, 302, 303, 307 or 308)");
      return Optional.empty();
    }
    return Optional.of(new Action.Redirect(r.text("scheme"), r.text("authority").toLowerCase(Locale.ROOT),
        r.integer("port", 0), r.text("uri"), status));
  }

  private Optional<Action> directResponse(Scope scope, Tree d) {
    scope.unknownKeys(d, Set.of("status", "body"));
    int status = d.integer("status", 0);
    if (status < 100 || status > 599) {
      scope.error(d.get("status"), "expected an HTTP status 100..599");
      return Optional.empty();
    }
    Tree body = d.get("body");
    String text = body.text("string");
    if (body.has("bytes")) {
      text = new String(Base64.getMimeDecoder().decode(body.text("bytes")), StandardCharsets.UTF_8);
    }
    return Optional.of(new Action.DirectResponse(status, text));
  }

  private Rewrite rewrite(Scope scope, Tree r, List<RequestMatch> match) {
    if (!r.present()) {
      return Rewrite.NONE;
    }
    scope.unknownKeys(r, Set.of("uri", "authority", "uriRegexRewrite"));
    Rewrite.PathRewrite path = new Rewrite.PathRewrite.Keep();
    if (r.has("uri")) {
      if (match.stream().allMatch(m -> m.path() instanceof PathMatch.Prefix)) {
        path = new Rewrite.PathRewrite.Prefix(r.text("uri"));
      } else if (match.stream().allMatch(m -> m.path() instanceof PathMatch.Exact)) {
        path = new Rewrite.PathRewrite.Regex("^.*$", r.text("uri").replace("\\", "\\\\"));
      } else {
        scope.warn(r.get("uri"), "a uri rewrite with regex (or mixed) matches is not supported; path kept");
      }
    } else if (r.has("uriRegexRewrite")) {
      Tree x = r.get("uriRegexRewrite");
      Optional<String> pattern = regex(scope, x.get("match"));
      if (pattern.isPresent()) {
        path = new Rewrite.PathRewrite.Regex(pattern.get(), x.text("rewrite"));
      }
    }
    return new Rewrite(path, r.text("authority").toLowerCase(Locale.ROOT));
  }

  static HeaderOps.Edits edits(Tree e) {
    if (!e.present()) {
      return HeaderOps.Edits.NONE;
    }
    return new HeaderOps.Edits(lower(e.map("set")), lower(e.map("add")),
        e.texts("remove").stream().map(s -> s.toLowerCase(Locale.ROOT)).toList());
  }

  private static Map<String, String> lower(Map<String, String> in) {
    Map<String, String> out = new LinkedHashMap<>();
    in.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), v));
    return out;
  }

  /** Istio's default is no timeout; {@code 0s} says the same. */
  static Duration timeout(Scope scope, Tree t) {
    if (!t.present()) {
      return Duration.ZERO;
    }
    Optional<Duration> d = Tree.duration(t.text());
    if (d.isEmpty()) {
      scope.error(t, "\"" + t.text() + "\" is not a duration (expected e.g. 500ms, 1.5s, 1m)");
      return Duration.ZERO;
    }
    return d.get();
  }

  private RetryPolicy retries(Scope scope, Tree r) {
    if (!r.present()) {
      return RetryPolicy.DEFAULT;
    }
    scope.unknownKeys(r, Set.of("attempts", "perTryTimeout", "retryOn", "retryRemoteLocalities"));
    if (r.has("retryRemoteLocalities")) {
      scope.notYet(r.get("retryRemoteLocalities"));
    }
    int attempts = r.integer("attempts", 0);
    if (attempts == 0) {
      return RetryPolicy.NONE;
    }
    Duration perTry = r.has("perTryTimeout") ? timeout(scope, r.get("perTryTimeout")) : Duration.ZERO;
    boolean connect = false;
    boolean reset = false;
    Set<Integer> statuses = new HashSet<>();
    String on = r.text("retryOn").isEmpty() ? "connect-failure,refused-stream,reset" : r.text("retryOn");
    for (String cond : on.split(",")) {
      switch (cond.trim()) {
        case "connect-failure", "refused-stream" -> connect = true;
        case "reset" -> reset = true;
        case "5xx" -> {
          connect = true;
          reset = true;
          for (int s = 500; s <= 599; s++) {
            statuses.add(s);
          }
        }
        case "gateway-error" -> statuses.addAll(Set.of(502, 503, 504));
        case "retriable-4xx" -> statuses.add(409);
        case "" -> { }
        default -> {
          if (cond.trim().matches("\\d{3}")) {
            statuses.add(Integer.parseInt(cond.trim()));
          } else {
            scope.warn(r.get("retryOn"), "retry condition \"" + cond.trim() + "\" is not supported; ignored");
          }
        }
      }
    }
    return new RetryPolicy(attempts, perTry, connect, reset, statuses, false);
  }
}
