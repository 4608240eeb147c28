package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Rewrite;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.StickySession;
import io.gatehouse.routes.StringMatch;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.UpstreamTls;
import io.gatehouse.routes.auth.Attachment;
import io.gatehouse.routes.auth.AuthorizationPolicy;
import io.gatehouse.routes.load.Values;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes {@code Ingress}es (networking.k8s.io/v1) of this gateway's class become routes on the
 * HTTP and HTTPS listeners ({@link IngressFragment}), one per rule path, named
 * {@code ingress.<ns>.<name>.<rule>.<path>}, ordered as the Ingress spec says: exact paths first,
 * then the longest path; then each Ingress's {@code defaultBackend}. An Ingress is this gateway's
 * when its {@code ingressClassName} (or the legacy {@code kubernetes.io/ingress.class} annotation)
 * names an IngressClass whose controller is {@value #CONTROLLER}, or the configured class when no
 * IngressClass of that name exists; one without a class is when the default IngressClass
 * ({@code ingressclass.kubernetes.io/is-default-class}) is ours. The ingress-nginx annotations that
 * users migrate with map onto native features ({@link NginxAnnotations}).
 */
final class Ingresses {
  static final String CONTROLLER = "gatehouse.io/ingress-controller";
  private static final String LEGACY_CLASS = "kubernetes.io/ingress.class";
  private static final String DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class";
  private static final Set<String> SPEC_KEYS = Set.of("ingressClassName", "defaultBackend", "rules", "tls");
  private static final Pattern REGEX_CHARS = Pattern.compile("[\\\\^$.|?*+()\\[\\]{}]");
  private static final Pattern DOLLAR_GROUP = Pattern.compile("\\$(\\d)");
  private static final Set<Listener.Protocol> PLAIN = Set.of(Listener.Protocol.HTTP, Listener.Protocol.HTTPS);
  private static final Set<Listener.Protocol> HTTP_ONLY = Set.of(Listener.Protocol.HTTP);
  private static final Set<Listener.Protocol> HTTPS_ONLY = Set.of(Listener.Protocol.HTTPS);

  private final Catalog catalog;
  private final Destinations destinations;
  private final SecretStore secrets;
  private final RouteSet conflicts = new RouteSet();
  /** Host to the certificate an earlier Ingress serves for it (cert path, key path, Ingress). */
  private final Map<String, String[]> certificateOwners = new HashMap<>();
  private final List<Item> paths = new ArrayList<>();
  private final List<Item> defaults = new ArrayList<>();
  private final List<ListenerTls.CertificateRef> certificates = new ArrayList<>();
  private final List<AuthorizationPolicy> policies = new ArrayList<>();
  private String catchAllOwner = "";

  /** One translated route, with what orders it: exact paths first, then longer ones. */
  private record Item(IngressFragment.Bound bound, boolean exact, int length) {}

  Ingresses(Catalog catalog, Destinations destinations, SecretStore secrets) {
    this.catalog = catalog;
    this.destinations = destinations;
    this.secrets = secrets;
  }

  IngressFragment translate(Report report) {
    for (MeshResource c : catalog.of(Kinds.INGRESS_CLASS)) {
      if (c.spec().text("controller").equals(CONTROLLER)) {
        report.run(c, scope -> {
          scope.unknownKeys(c.spec(), Set.of("controller"));
        });
      }
    }
    for (MeshResource r : catalog.of(Kinds.INGRESS)) {
      if (ours(r)) {
        report.run(r, scope -> ingress(scope, r));
      }
    }
    List<Item> ordered = new ArrayList<>(paths);
    // A stable sort: ties keep namespace/name, then rule and path order.
    ordered.sort(Comparator.comparing((Item i) -> !i.exact()).thenComparing(i -> -i.length()));
    ordered.addAll(defaults);
    return new IngressFragment(ordered.stream().map(Item::bound).toList(), certificates, policies);
  }

  /** Whether the Ingress names this gateway's class, or names none while the default IngressClass is ours. */
  private boolean ours(MeshResource r) {
    String name = r.spec().text("ingressClassName");
    if (name.isEmpty()) {
      name = r.metadata().get("annotations").text(LEGACY_CLASS);
    }
    if (name.isEmpty()) {
      return catalog.of(Kinds.INGRESS_CLASS).stream().anyMatch(c -> c.spec().text("controller").equals(CONTROLLER)
          && c.metadata().get("annotations").text(DEFAULT_CLASS).equals("true"));
    }
    String wanted = name;
    Optional<MeshResource> named = catalog.of(Kinds.INGRESS_CLASS).stream().filter(c -> c.name().equals(wanted)).findFirst();
    return named.map(c -> c.spec().text("controller").equals(CONTROLLER))
        .orElse(name.equals(catalog.settings.ingressClassName()));
  }

  private void ingress(Scope scope, MeshResource r) {
    Tree spec = r.spec();
    scope.unknownKeys(spec, SPEC_KEYS);
    NginxAnnotations options = NginxAnnotations.read(scope, r, catalog, secrets);
    String prefix = "ingress." + r.namespace() + "." + r.name();
    List<ListenerTls.CertificateRef> certs = new ArrayList<>();
    Set<String> tlsHosts = tls(scope, r, certs);
    List<Item> own = new ArrayList<>();
    List<Item> ownDefaults = new ArrayList<>();
    List<String> ruleHosts = new ArrayList<>();
    List<Tree> rules = spec.get("rules").items();
    for (int i = 0; i < rules.size(); i++) {
      Tree rule = rules.get(i);
      scope.unknownKeys(rule, Set.of("host", "http"));
      Optional<String> host = host(scope, rule.get("host"));
      if (host.isEmpty()) {
        continue;
      }
      if (!ruleHosts.contains(host.get())) {
        ruleHosts.add(host.get());
      }
      Tree http = rule.get("http");
      scope.unknownKeys(http, Set.of("paths"));
      List<Tree> rulePaths = http.get("paths").items();
      if (http.present() && rulePaths.isEmpty()) {
        scope.error(http.get("paths"), "at least one path is required");
      }
      boolean redirect = redirects(options, tlsHosts, host.get());
      for (int j = 0; j < rulePaths.size(); j++) {
        Tree p = rulePaths.get(j);
        scope.unknownKeys(p, Set.of("path", "pathType", "backend"));
        Optional<Matched> matched = path(scope, p, options);
        Optional<String> upstream = backend(scope, p.get("backend"), options, r);
        if (matched.isPresent() && upstream.isPresent()) {
          for (IngressFragment.Bound b : routes(prefix + "." + i + "." + j, host.get(), matched.get().path(),
              matched.get().rewrite(), upstream.get(), options, redirect, matched.get().cookiePath())) {
            own.add(new Item(b, matched.get().path() instanceof PathMatch.Exact, matched.get().length()));
          }
        }
      }
    }
    Tree defaultBackend = spec.get("defaultBackend");
    if (defaultBackend.present()) {
      Optional<String> upstream = backend(scope, defaultBackend, options, r);
      List<String> hosts = new ArrayList<>(ruleHosts);
      hosts.remove("*");
      boolean catchAll = catchAllOwner.isEmpty() || catchAllOwner.equals(r.id());
      if (catchAll) {
        hosts.add("*");
      } else {
        scope.warn(defaultBackend, "the default backend for every other host is already " + catchAllOwner
            + "'s; this one serves only the hosts of this Ingress's rules");
      }
      for (int k = 0; k < hosts.size() && upstream.isPresent(); k++) {
        for (IngressFragment.Bound b : routes(prefix + ".default." + k, hosts.get(k), new PathMatch.Prefix("/"),
            Rewrite.NONE, upstream.get(), options, redirects(options, tlsHosts, hosts.get(k)), "/")) {
          ownDefaults.add(new Item(b, false, 0));
        }
      }
    } else if (rules.isEmpty()) {
      scope.error(spec, "an Ingress needs rules or a defaultBackend");
    }
    List<Route> all = new ArrayList<>();
    own.forEach(i -> all.add(i.bound().route()));
    ownDefaults.forEach(i -> all.add(i.bound().route()));
    conflicts.checkConflicts(scope, spec.get("rules"), all);
    if (scope.failed()) {
      return;
    }
    conflicts.add(r.id(), all);
    paths.addAll(own);
    defaults.addAll(ownDefaults);
    if (ownDefaults.stream().anyMatch(i -> i.bound().route().hosts().contains("*"))) {
      catchAllOwner = r.id();
    }
    for (ListenerTls.CertificateRef c : certs) {
      c.hosts().forEach(h -> certificateOwners.putIfAbsent(h, new String[] {c.cert(), c.key(), r.id()}));
      if (!certificates.contains(c)) {
        certificates.add(c);
      }
    }
    if (!options.allow().isEmpty() && !all.isEmpty()) {
      AuthorizationPolicy.Source source = new AuthorizationPolicy.Source(List.of(), List.of(), List.of(), List.of(),
          List.of(), List.of(), List.of(), List.of(), options.allow(), List.of());
      policies.add(new AuthorizationPolicy(prefix + ".whitelist-source-range", AuthorizationPolicy.Action.ALLOW, "",
          List.of(new AuthorizationPolicy.Rule(List.of(source), List.of(), List.of())),
          new Attachment(List.of(), all.stream().map(Route::name).toList())));
    }
  }

  /**
   * The routes for one host and path: one on HTTP and HTTPS listeners, or, when requests for the
   * host are redirected to HTTPS, a 308 redirect on HTTP listeners and the forward on HTTPS ones.
   */
  private List<IngressFragment.Bound> routes(String name, String host, PathMatch path, Rewrite rewrite, String upstream,
                                             NginxAnnotations o, boolean redirect, String cookiePath) {
    Map<String, StringMatch> headers = new LinkedHashMap<>();
    if (host.startsWith("*.")) {
      // The Ingress spec's wildcard is one label: *.foo.com takes bar.foo.com, not baz.bar.foo.com.
      headers.put(":authority", new StringMatch.Regex("(?i)[^.]+" + Pattern.quote(host.substring(1)) + "\\.?"));
    }
    RequestMatch match = new RequestMatch(path, Set.of(), headers, Map.of());
    Route forward = Route.builder(name, new Action.Forward(List.of(new Action.Backend(upstream, 1)))).hosts(List.of(host))
        .match(List.of(match)).rewrite(rewrite).timeout(o.timeout()).maxBodySize(o.bodySize()).cors(o.cors())
        .stickySession(sticky(o.sticky(), cookiePath)).build();
    if (!redirect) {
      return List.of(new IngressFragment.Bound(forward, PLAIN));
    }
    Route toHttps = Route.builder(name + ".redirect", new Action.Redirect("https", "", 0, "", 308)).hosts(List.of(host))
        .match(List.of(match)).timeout(Route.NO_TIMEOUT).retries(RetryPolicy.NONE).build();
    return List.of(new IngressFragment.Bound(forward, HTTPS_ONLY), new IngressFragment.Bound(toHttps, HTTP_ONLY));
  }

  /** The Ingress's sticky session for one path: a cookie path left unset is the path matched, as in ingress-nginx. */
  private static StickySession sticky(StickySession sticky, String cookiePath) {
    if (!sticky.enabled() || !sticky.path().isEmpty()) {
      return sticky;
    }
    String path = cookiePath.matches("/[\\x21-\\x3a\\x3c-\\x7e]*") ? cookiePath : "/";
    return new StickySession(sticky.cookie(), sticky.ttl(), path, sticky.httpOnly(), sticky.secure(), sticky.sameSite());
  }

  /** ingress-nginx: HTTP is redirected to HTTPS for the hosts the Ingress has TLS for (ssl-redirect), or always (force-ssl-redirect). */
  private static boolean redirects(NginxAnnotations o, Set<String> tlsHosts, String host) {
    if (o.forceSslRedirect()) {
      return true;
    }
    if (!o.sslRedirect() || host.equals("*")) {
      return false;
    }
    if (tlsHosts.contains(host)) {
      return true;
    }
    int dot = host.indexOf('.');
    return !host.startsWith("*.") && dot > 0 && tlsHosts.contains("*" + host.substring(dot));
  }

  /** A rule's host: empty is every host; a wildcard is {@code *.} and one label's worth of name after it. */
  private static Optional<String> host(Scope scope, Tree at) {
    Optional<String> problem = hostProblem(at.text());
    if (problem.isPresent()) {
      scope.error(at, problem.get());
      return Optional.empty();
    }
    return Optional.of(at.text().isEmpty() ? "*" : Values.normaliseHost(at.text()));
  }

  private static Optional<String> hostProblem(String text) {
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String host = text.toLowerCase(Locale.ROOT);
    String name = host.startsWith("*.") ? host.substring(2) : host;
    if (name.contains("*") || Values.hostPattern(host).isEmpty() || host.equals("*")) {
      return Optional.of("\"" + text + "\" is not a host name (expected a DNS name or *.domain, a wildcard being"
          + " the first label only)");
    }
    if (Values.isIpv4(name) || Values.isIpv6(name)) {
      return Optional.of("\"" + text + "\" is an IP address; an Ingress host is a DNS name");
    }
    return Optional.empty();
  }

  /** The {@code tls} entries: certificates from Secrets (checked against other Ingresses'); returns every TLS host. */
  private Set<String> tls(Scope scope, MeshResource r, List<ListenerTls.CertificateRef> out) {
    Set<String> tlsHosts = new LinkedHashSet<>();
    Map<String, String[]> mine = new HashMap<>();
    for (Tree t : r.spec().get("tls").items()) {
      scope.unknownKeys(t, Set.of("hosts", "secretName"));
      List<String> hosts = new ArrayList<>();
      for (Tree h : t.get("hosts").items()) {
        host(scope, h).ifPresent(x -> {
          if (!x.equals("*")) {
            hosts.add(x);
          }
        });
      }
      if (!t.get("hosts").present()) {
        // No hosts: the certificate is for this Ingress's own hosts.
        for (Tree rule : r.spec().get("rules").itemsOrEmpty()) {
          String h = rule.text("host");
          if (!h.isEmpty() && hostProblem(h).isEmpty() && !hosts.contains(Values.normaliseHost(h))) {
            hosts.add(Values.normaliseHost(h));
          }
        }
      }
      tlsHosts.addAll(hosts);
      String secret = t.text("secretName");
      if (secret.isEmpty()) {
        scope.warn(t, "no secretName: " + (hosts.isEmpty() ? "these hosts" : String.join(", ", hosts))
            + " are served with the HTTPS listeners' own certificates");
        continue;
      }
      Optional<SecretStore.TlsFiles> files = Secrets.resolve(scope, t.get("secretName"), catalog, secrets,
          r.namespace(), secret);
      if (files.isEmpty()) {
        continue;
      }
      if (files.get().cert().isEmpty()) {
        scope.missing(t.get("secretName"), "Secret " + r.namespace() + "/" + secret + " has no tls.crt and tls.key");
        continue;
      }
      for (String h : hosts) {
        String[] other = certificateOwners.get(h);
        String[] same = mine.get(h);
        if (other != null && !(other[0].equals(files.get().cert()) && other[1].equals(files.get().key()))) {
          scope.error(t.get("secretName"), "host " + h + " already has another certificate, from " + other[2]
              + " (conflicting TLS)");
        } else if (same != null && !(same[0].equals(files.get().cert()) && same[1].equals(files.get().key()))) {
          scope.error(t.get("secretName"), "host " + h + " is given two different certificates in this Ingress"
              + " (conflicting TLS)");
        }
        mine.put(h, new String[] {files.get().cert(), files.get().key(), r.id()});
      }
      if (!hosts.isEmpty()) {
        out.add(new ListenerTls.CertificateRef(hosts, files.get().cert(), files.get().key()));
      }
    }
    return tlsHosts;
  }

  /** A path's match, its rewrite, its length for precedence, and the path a sticky cookie is set for. */
  private record Matched(PathMatch path, Rewrite rewrite, int length, String cookiePath) {}

  private Optional<Matched> path(Scope scope, Tree p, NginxAnnotations o) {
    String type = p.text("pathType");
    String path = p.text("path");
    Tree at = p.get("path");
    if (!Set.of("Exact", "Prefix", "ImplementationSpecific").contains(type)) {
      scope.error(p.get("pathType"), type.isEmpty() ? "pathType is required (Exact, Prefix or ImplementationSpecific)"
          : "\"" + type + "\" is not a path type (expected Exact, Prefix or ImplementationSpecific)");
      return Optional.empty();
    }
    boolean exact = type.equals("Exact");
    if (path.isEmpty()) {
      if (exact) {
        scope.error(at, "an Exact path needs a path");
        return Optional.empty();
      }
      path = "/";
    }
    if (!path.startsWith("/")) {
      scope.error(at, "\"" + path + "\" is not an absolute path (it must start with /)");
      return Optional.empty();
    }
    boolean regex = o.regex() && !exact;
    if (!regex && REGEX_CHARS.matcher(path).find()) {
      scope.error(at, "\"" + path + "\" looks like a regular expression, but " + NginxAnnotations.PREFIX + "use-regex is not \"true\""
          + " (nor is " + NginxAnnotations.PREFIX + "rewrite-target set): it would be matched as the literal text; set use-regex or write a plain path");
      return Optional.empty();
    }
    int groups = 0;
    PathMatch match;
    if (regex) {
      // ingress-nginx: a case-insensitive regex location anchored at the start of the path.
      try {
        groups = com.google.re2j.Pattern.compile("(?i)" + path).groupCount();
      } catch (com.google.re2j.PatternSyntaxException e) {
        scope.error(at, "\"" + path + "\" is not a valid regular expression (RE2 syntax): " + e.getDescription());
        return Optional.empty();
      }
      match = new PathMatch.Regex("(?i)" + path + ".*");
    } else if (exact) {
      match = new PathMatch.Exact(path);
    } else {
      // The Ingress spec matches a prefix by path element: /foo takes /foo and /foo/bar, not /foobar; /foo/ is /foo.
      String trimmed = path.replaceAll("/+$", "");
      match = trimmed.isEmpty() ? new PathMatch.Prefix("/") : new PathMatch.Regex(Pattern.quote(trimmed) + HttpRoutes.SEGMENT);
      path = trimmed.isEmpty() ? "/" : trimmed;
    }
    Rewrite rewrite = Rewrite.NONE;
    if (!o.rewriteTarget().isEmpty()) {
      Matcher m = DOLLAR_GROUP.matcher(o.rewriteTarget());
      while (m.find()) {
        int n = Integer.parseInt(m.group(1));
        if (n > groups) {
          scope.error(o.rewriteAt(), "rewrite-target uses $" + n + " but path \"" + path + "\" has " + groups
              + " capture group" + (groups == 1 ? "" : "s"));
          return Optional.empty();
        }
      }
      String substitution = DOLLAR_GROUP.matcher(o.rewriteTarget()).replaceAll("\\\\$1");
      // nginx's rewrite replaces the whole path with the target, its $N taken from the location's regex.
      rewrite = new Rewrite(new Rewrite.PathRewrite.Regex(exact ? "^.*$" : "(?i)^" + path + ".*$", substitution), "");
    }
    return Optional.of(new Matched(match, rewrite, path.length(), regex ? "/" : path));
  }

  /** The upstream for a {@code service} backend (port by number or by the Service's port name), spoken to as backend-protocol says. */
  private Optional<String> backend(Scope scope, Tree backend, NginxAnnotations o, MeshResource r) {
    scope.unknownKeys(backend, Set.of("service", "resource"));
    if (backend.has("resource")) {
      scope.error(backend.get("resource"), "resource backends are not supported (only service backends)");
      return Optional.empty();
    }
    Tree service = backend.get("service");
    scope.unknownKeys(service, Set.of("name", "port"));
    String name = service.text("name");
    if (name.isEmpty()) {
      scope.error(service.get("name"), "a service backend needs a service name");
      return Optional.empty();
    }
    Optional<MeshResource> svc = catalog.get(Kinds.SERVICE, r.namespace(), name);
    if (svc.isEmpty()) {
      scope.missing(service.get("name"), "Service " + r.namespace() + "/" + name + " does not exist");
      return Optional.empty();
    }
    Tree port = service.get("port");
    scope.unknownKeys(port, Set.of("number", "name"));
    int number = port.integer("number", 0);
    String portName = port.text("name");
    if ((number == 0) == portName.isEmpty()) {
      scope.error(port, "expected exactly one of number (1..65535) and name");
      return Optional.empty();
    }
    if (!portName.isEmpty()) {
      Optional<Tree> named = svc.get().spec().get("ports").itemsOrEmpty().stream()
          .filter(sp -> sp.text("name").equals(portName)).findFirst();
      if (named.isEmpty()) {
        scope.missing(port.get("name"), "Service " + r.namespace() + "/" + name + " has no port named " + portName);
        return Optional.empty();
      }
      number = named.get().integer("port", 0);
    }
    Optional<String> upstream = destinations.upstream(scope, service,
        new Destinations.Target(name + "." + r.namespace(), number, "", r.namespace()));
    if (upstream.isEmpty() || o.backendProtocol().equals("HTTP")) {
      return upstream;
    }
    boolean tls = o.backendProtocol().endsWith("S");
    boolean h2 = o.backendProtocol().startsWith("GRPC");
    String sni = o.sslName().isEmpty() ? catalog.fqdn(name, r.namespace()) : o.sslName();
    String suffix = o.backendProtocol().toLowerCase(Locale.ROOT)
        + (o.sslName().isEmpty() && o.sslSecret().isEmpty() ? "" : "." + r.namespace() + "." + r.name());
    SecretStore.TlsFiles files = o.sslSecret().orElse(new SecretStore.TlsFiles("", "", ""));
    UpstreamTls upstreamTls = tls ? new UpstreamTls(true, sni, files.ca(), files.cert(), files.key(), true) : UpstreamTls.NONE;
    return Optional.of(destinations.variant(upstream.get(), suffix, (variant, u) -> new Upstream(variant, u.endpoints(),
        u.loadBalancer(), upstreamTls, u.hashOn(), u.healthCheck(), u.outlierDetection(), u.circuitBreaker(),
        u.retryBudget(), h2 ? Upstream.Protocol.HTTP2 : Upstream.Protocol.HTTP1)));
  }

}
