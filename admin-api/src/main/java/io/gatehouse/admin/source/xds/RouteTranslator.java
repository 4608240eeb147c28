package io.gatehouse.admin.source.xds;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.Compression;
import io.gatehouse.routes.HeaderOps;
import io.gatehouse.routes.Mirror;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Rewrite;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.StringMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An RDS {@code RouteConfiguration} (or an HTTP connection manager's inline one) as native routes:
 * one route per xDS route, in order, virtual host by virtual host, with the virtual host's domains
 * as hosts (ports stripped: native routes match the host without its port). Backends name
 * clusters; the assembly binds the routes to the listeners that use the configuration. What
 * cannot be served as written (a header match inverted, a malformed regex, a cluster taken from a
 * header) fails the resource, naming the field.
 */
final class RouteTranslator {
  /** Envoy's route timeout when the route does not set one. */
  static final Duration ENVOY_DEFAULT_TIMEOUT = Duration.ofSeconds(15);
  /** Per-route filter configs that only feed statistics or are empty defaults. */
  private static final Set<String> HARMLESS_PER_FILTER = Set.of("istio.stats", "envoy.filters.http.grpc_stats",
      "istio.metadata_exchange", "istio.alpn");

  private RouteTranslator() {}

  /** The routes of {@code config}; route names are {@code <prefix><config>/<virtual host>/<route name or index>}. */
  static List<Route> translate(RouteConfiguration config, Findings f) {
    List<Route> out = new ArrayList<>();
    Edits base = new Edits();
    base.add(config.getRequestHeadersToAddList(), config.getRequestHeadersToRemoveList(),
        config.getResponseHeadersToAddList(), config.getResponseHeadersToRemoveList(), "", f);
    Set<String> names = new LinkedHashSet<>();
    for (int v = 0; v < config.getVirtualHostsCount(); v++) {
      VirtualHost vh = config.getVirtualHosts(v);
      String vf = "virtual_hosts[" + v + "]";
      List<String> hosts = hosts(vh, vf, f);
      Edits vhEdits = base.copy();
      vhEdits.add(vh.getRequestHeadersToAddList(), vh.getRequestHeadersToRemoveList(),
          vh.getResponseHeadersToAddList(), vh.getResponseHeadersToRemoveList(), vf, f);
      perFilter(vh.getTypedPerFilterConfigMap().keySet(), vf, f);
      if (vh.hasCors()) {
        f.fail(vf + ".cors", "CORS policies from xDS are not translated");
      }
      for (int r = 0; r < vh.getRoutesCount(); r++) {
        io.envoyproxy.envoy.config.route.v3.Route route = vh.getRoutes(r);
        String rf = vf + ".routes[" + r + "]";
        String name = config.getName() + "/" + vh.getName() + "/" + (route.getName().isEmpty() ? String.valueOf(r) : route.getName());
        if (!names.add(name)) {
          name = name + "#" + r;
          names.add(name);
        }
        Route translated = route(name, hosts, route, vh, vhEdits, rf, f);
        if (translated != null) {
          out.add(translated);
        }
      }
    }
    return out;
  }

  private static List<String> hosts(VirtualHost vh, String field, Findings f) {
    Set<String> hosts = new LinkedHashSet<>();
    for (int i = 0; i < vh.getDomainsCount(); i++) {
      String d = vh.getDomains(i).toLowerCase(Locale.ROOT);
      d = withoutPort(d);
      if (d.equals("*") || (d.startsWith("*.") && d.indexOf('*', 1) < 0) || (d.indexOf('*') < 0 && !d.isEmpty())) {
        hosts.add(d);
      } else if (d.startsWith("*") && d.indexOf('*', 1) < 0) {
        // Envoy's "*-suffix.example.com": no native equivalent narrower than the wildcard below it.
        f.fail(field + ".domains[" + i + "]", "domain \"" + vh.getDomains(i) + "\" is a suffix wildcard other than \"*.\"; only"
            + " exact names, \"*.\" wildcards and \"*\" are served");
      } else {
        f.fail(field + ".domains[" + i + "]", "domain \"" + vh.getDomains(i) + "\" is not served (prefix wildcards"
            + " such as \"foo.*\" have no native equivalent)");
      }
    }
    if (hosts.isEmpty() && vh.getDomainsCount() == 0) {
      f.fail(field + ".domains", "a virtual host needs at least one domain");
    }
    return List.copyOf(hosts);
  }

  /** {@code example.com:80} and {@code example.com:*} are {@code example.com}; {@code [::1]:80} is {@code [::1]}. */
  static String withoutPort(String domain) {
    int colon = domain.lastIndexOf(':');
    if (colon <= 0 || domain.indexOf(']') > colon || (!domain.startsWith("[") && domain.indexOf(':') != colon)) {
      return domain;
    }
    String port = domain.substring(colon + 1);
    return port.equals("*") || (!port.isEmpty() && port.chars().allMatch(Character::isDigit)) ? domain.substring(0, colon) : domain;
  }

  private static Route route(String name, List<String> hosts, io.envoyproxy.envoy.config.route.v3.Route route,
                             VirtualHost vh, Edits inherited, String field, Findings f) {
    List<RequestMatch> matches = match(route.getMatch(), field + ".match", f);
    perFilter(route.getTypedPerFilterConfigMap().keySet(), field, f);
    Edits edits = inherited.copy();
    edits.add(route.getRequestHeadersToAddList(), route.getRequestHeadersToRemoveList(),
        route.getResponseHeadersToAddList(), route.getResponseHeadersToRemoveList(), field, f);
    Action action;
    Rewrite rewrite = Rewrite.NONE;
    Duration timeout = Duration.ZERO;
    RetryPolicy retries = RetryPolicy.NONE;
    Mirror mirror = Mirror.NONE;
    switch (route.getActionCase()) {
      case ROUTE -> {
        RouteAction ra = route.getRoute();
        String af = field + ".route";
        action = forward(ra, af, edits, f);
        rewrite = rewrite(ra, af, f);
        timeout = ra.hasTimeout() ? duration(ra.getTimeout()) : ENVOY_DEFAULT_TIMEOUT;
        if (ra.hasRetryPolicy()) {
          retries = retries(ra.getRetryPolicy(), af + ".retry_policy", f);
        } else if (vh.hasRetryPolicy()) {
          retries = retries(vh.getRetryPolicy(), field.substring(0, field.indexOf(".routes[")) + ".retry_policy", f);
        }
        mirror = mirror(ra, af, f);
        if (ra.getHashPolicyCount() > 0) {
          f.note(af + ".hash_policy", "ignored: the upstream's own loadBalancer decides (consistent hashing is set per upstream)");
        }
        if (ra.hasCors()) {
          f.fail(af + ".cors", "CORS policies from xDS are not translated");
        }
      }
      case REDIRECT -> action = redirect(route.getRedirect(), field + ".redirect", f);
      case DIRECT_RESPONSE -> action = direct(route.getDirectResponse(), field + ".direct_response", f);
      default -> {
        f.fail(field, "route action " + route.getActionCase() + " is not served (expected: route, redirect or direct_response)");
        return null;
      }
    }
    if (action == null) {
      return null;
    }
    // Envoy compresses only with a compressor filter, which is not translated: no compression.
    return Route.builder(name, action).hosts(hosts).match(matches).rewrite(rewrite).headers(edits.build())
        .timeout(timeout).retries(retries).mirror(mirror).compression(Compression.NONE).build();
  }

  private static void perFilter(Set<String> filters, String field, Findings f) {
    for (String name : filters) {
      if (HARMLESS_PER_FILTER.contains(name)) {
        f.note(field + ".typed_per_filter_config[" + name + "]", "ignored (statistics only)");
      } else {
        f.fail(field + ".typed_per_filter_config[" + name + "]", "per-route config of filter " + name
            + " has no Gatehouse equivalent");
      }
    }
  }

  static List<RequestMatch> match(RouteMatch m, String field, Findings f) {
    if (m.hasCaseSensitive() && !m.getCaseSensitive().getValue()) {
      f.fail(field + ".case_sensitive", "case-insensitive path matching is not served");
    }
    if (m.hasRuntimeFraction()) {
      f.fail(field + ".runtime_fraction", "runtime fractions are not served");
    }
    if (m.hasTlsContext() || m.getDynamicMetadataCount() > 0) {
      f.fail(field, "TLS-context and dynamic-metadata matches are not served");
    }
    Map<String, StringMatch> headers = new LinkedHashMap<>();
    if (m.hasGrpc()) {
      headers.put("content-type", new StringMatch.Prefix("application/grpc"));
    }
    for (int i = 0; i < m.getHeadersCount(); i++) {
      HeaderMatcher h = m.getHeaders(i);
      String hf = field + ".headers[" + i + "]";
      StringMatch sm = header(h, hf, f);
      if (sm != null) {
        String name = h.getName().toLowerCase(Locale.ROOT);
        if (headers.putIfAbsent(name, sm) != null) {
          f.fail(hf, "a second match on header " + name + " in one route is not served");
        }
      }
    }
    Map<String, StringMatch> query = new LinkedHashMap<>();
    for (int i = 0; i < m.getQueryParametersCount(); i++) {
      QueryParameterMatcher q = m.getQueryParameters(i);
      String qf = field + ".query_parameters[" + i + "]";
      StringMatch sm = switch (q.getQueryParameterMatchSpecifierCase()) {
        case STRING_MATCH -> string(q.getStringMatch(), qf + ".string_match", f);
        case PRESENT_MATCH -> new StringMatch.Present();
        default -> null;
      };
      if (sm == null && q.getQueryParameterMatchSpecifierCase() != QueryParameterMatcher.QueryParameterMatchSpecifierCase.STRING_MATCH) {
        f.fail(qf, "a query parameter match needs string_match or present_match");
      } else if (sm != null) {
        query.put(q.getName(), sm);
      }
    }
    List<PathMatch> paths = new ArrayList<>();
    switch (m.getPathSpecifierCase()) {
      case PREFIX -> paths.add(new PathMatch.Prefix(m.getPrefix().isEmpty() ? "/" : m.getPrefix()));
      case PATH -> paths.add(new PathMatch.Exact(m.getPath()));
      case SAFE_REGEX -> {
        if (regex(m.getSafeRegex().getRegex(), field + ".safe_regex.regex", f)) {
          paths.add(new PathMatch.Regex(m.getSafeRegex().getRegex()));
        }
      }
      case PATH_SEPARATED_PREFIX -> {
        // "/api" takes /api, /api/… but not /apix: the exact path or the prefix with a slash.
        String p = m.getPathSeparatedPrefix();
        paths.add(new PathMatch.Exact(p));
        paths.add(new PathMatch.Prefix(p.endsWith("/") ? p : p + "/"));
      }
      default -> f.fail(field, "path match " + m.getPathSpecifierCase() + " is not served (expected: prefix, path,"
          + " safe_regex or path_separated_prefix)");
    }
    List<RequestMatch> out = new ArrayList<>();
    for (PathMatch p : paths) {
      out.add(new RequestMatch(p, Set.of(), headers, query));
    }
    return out;
  }

  private static StringMatch header(HeaderMatcher h, String field, Findings f) {
    if (h.getInvertMatch()) {
      f.fail(field + ".invert_match", "inverted header matches are not served");
      return null;
    }
    if (h.getName().startsWith(":") && !h.getName().equals(":authority") && !h.getName().equals(":method")
        && !h.getName().equals(":scheme")) {
      f.fail(field + ".name", "pseudo-header " + h.getName() + " is not served as a header match");
      return null;
    }
    return switch (h.getHeaderMatchSpecifierCase()) {
      case EXACT_MATCH -> new StringMatch.Exact(h.getExactMatch());
      case PREFIX_MATCH -> new StringMatch.Prefix(h.getPrefixMatch());
      case SUFFIX_MATCH -> new StringMatch.Regex(".*" + quote(h.getSuffixMatch()));
      case CONTAINS_MATCH -> new StringMatch.Regex(".*" + quote(h.getContainsMatch()) + ".*");
      case PRESENT_MATCH -> h.getPresentMatch() ? new StringMatch.Present() : fail(f, field + ".present_match",
          "present_match: false (header absent) is not served");
      case SAFE_REGEX_MATCH -> regex(h.getSafeRegexMatch().getRegex(), field + ".safe_regex_match.regex", f)
          ? new StringMatch.Regex(h.getSafeRegexMatch().getRegex()) : null;
      case STRING_MATCH -> string(h.getStringMatch(), field + ".string_match", f);
      case HEADERMATCHSPECIFIER_NOT_SET -> new StringMatch.Present();
      default -> fail(f, field, "header match " + h.getHeaderMatchSpecifierCase() + " is not served");
    };
  }

  private static StringMatch string(StringMatcher m, String field, Findings f) {
    if (m.getIgnoreCase()) {
      f.fail(field + ".ignore_case", "case-insensitive string matches are not served");
      return null;
    }
    return switch (m.getMatchPatternCase()) {
      case EXACT -> new StringMatch.Exact(m.getExact());
      case PREFIX -> new StringMatch.Prefix(m.getPrefix());
      case SUFFIX -> new StringMatch.Regex(".*" + quote(m.getSuffix()));
      case CONTAINS -> new StringMatch.Regex(".*" + quote(m.getContains()) + ".*");
      case SAFE_REGEX -> regex(m.getSafeRegex().getRegex(), field + ".safe_regex.regex", f)
          ? new StringMatch.Regex(m.getSafeRegex().getRegex()) : null;
      default -> fail(f, field, "string match " + m.getMatchPatternCase() + " is not served");
    };
  }

  private static StringMatch fail(Findings f, String field, String message) {
    f.fail(field, message);
    return null;
  }

  /** Whether {@code regex} compiles under RE2 semantics, as the route table will compile it. */
  static boolean regex(String regex, String field, Findings f) {
    try {
      Pattern.compile(regex);
      return true;
    } catch (PatternSyntaxException e) {
      f.fail(field, "regex \"" + regex + "\" is not valid RE2: " + e.getDescription());
      return false;
    }
  }

  private static String quote(String literal) {
    return Pattern.quote(literal);
  }

  private static Action forward(RouteAction ra, String field, Edits edits, Findings f) {
    switch (ra.getClusterSpecifierCase()) {
      case CLUSTER:
        return new Action.Forward(List.of(new Action.Backend(ra.getCluster(), 1)));
      case WEIGHTED_CLUSTERS: {
        WeightedCluster wc = ra.getWeightedClusters();
        List<Action.Backend> backends = new ArrayList<>();
        for (int i = 0; i < wc.getClustersCount(); i++) {
          WeightedCluster.ClusterWeight cw = wc.getClusters(i);
          String cf = field + ".weighted_clusters.clusters[" + i + "]";
          if (cw.getRequestHeadersToAddCount() + cw.getRequestHeadersToRemoveCount() + cw.getResponseHeadersToAddCount()
              + cw.getResponseHeadersToRemoveCount() > 0) {
            f.fail(cf, "header edits per weighted cluster are not served (only per route)");
          }
          if (!cw.getTypedPerFilterConfigMap().isEmpty()) {
            perFilter(cw.getTypedPerFilterConfigMap().keySet(), cf, f);
          }
          int weight = cw.hasWeight() ? cw.getWeight().getValue() : 0;
          if (weight > 0) {
            backends.add(new Action.Backend(cw.getName(), weight));
          }
        }
        if (backends.isEmpty()) {
          f.fail(field + ".weighted_clusters", "no cluster has a weight above 0");
          return null;
        }
        return new Action.Forward(backends);
      }
      default:
        f.fail(field, "cluster specifier " + ra.getClusterSpecifierCase() + " is not served (expected: cluster or"
            + " weighted_clusters)");
        return null;
    }
  }

  private static Rewrite rewrite(RouteAction ra, String field, Findings f) {
    Rewrite.PathRewrite path = new Rewrite.PathRewrite.Keep();
    if (!ra.getPrefixRewrite().isEmpty()) {
      path = new Rewrite.PathRewrite.Prefix(ra.getPrefixRewrite());
    } else if (ra.hasRegexRewrite()) {
      String pattern = ra.getRegexRewrite().getPattern().getRegex();
      if (regex(pattern, field + ".regex_rewrite.pattern.regex", f)) {
        path = new Rewrite.PathRewrite.Regex(pattern, ra.getRegexRewrite().getSubstitution());
      }
    }
    String host = "";
    switch (ra.getHostRewriteSpecifierCase()) {
      case HOST_REWRITE_LITERAL -> host = ra.getHostRewriteLiteral();
      case HOSTREWRITESPECIFIER_NOT_SET -> { }
      default -> f.fail(field, "host rewrite " + ra.getHostRewriteSpecifierCase() + " is not served (expected:"
          + " host_rewrite_literal)");
    }
    return path instanceof Rewrite.PathRewrite.Keep && host.isEmpty() ? Rewrite.NONE : new Rewrite(path, host);
  }

  private static Mirror mirror(RouteAction ra, String field, Findings f) {
    if (ra.getRequestMirrorPoliciesCount() == 0) {
      return Mirror.NONE;
    }
    if (ra.getRequestMirrorPoliciesCount() > 1) {
      f.fail(field + ".request_mirror_policies", "more than one mirror per route is not served");
    }
    var policy = ra.getRequestMirrorPolicies(0);
    double percent = 100;
    if (policy.hasRuntimeFraction()) {
      var fraction = policy.getRuntimeFraction().getDefaultValue();
      double denominator = switch (fraction.getDenominator()) {
        case HUNDRED -> 100;
        case TEN_THOUSAND -> 10_000;
        case MILLION -> 1_000_000;
        default -> 100;
      };
      percent = 100.0 * fraction.getNumerator() / denominator;
    }
    return new Mirror(policy.getCluster(), percent);
  }

  static RetryPolicy retries(io.envoyproxy.envoy.config.route.v3.RetryPolicy p, String field, Findings f) {
    boolean connect = false;
    boolean reset = false;
    Set<Integer> statuses = new java.util.TreeSet<>();
    for (String on : p.getRetryOn().split(",")) {
      switch (on.trim()) {
        case "connect-failure" -> connect = true;
        case "reset", "refused-stream", "reset-before-request" -> reset = true;
        case "5xx" -> {
          connect = true;
          reset = true;
          for (int s = 500; s <= 511; s++) {
            statuses.add(s);
          }
        }
        case "gateway-error" -> statuses.addAll(List.of(502, 503, 504));
        case "retriable-status-codes" -> statuses.addAll(p.getRetriableStatusCodesList());
        case "" -> { }
        case "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable", "retriable-4xx",
             "retriable-headers", "envoy-ratelimited", "http3-post-connect-failure" ->
            f.note(field + ".retry_on", "\"" + on.trim() + "\" is not a native retry condition; ignored");
        default -> f.fail(field + ".retry_on", "unknown retry condition \"" + on.trim() + "\"");
      }
    }
    int attempts = p.hasNumRetries() ? p.getNumRetries().getValue() : 1;
    Duration perTry = p.hasPerTryTimeout() ? duration(p.getPerTryTimeout()) : Duration.ZERO;
    RetryPolicy policy = new RetryPolicy(attempts, perTry, connect, reset, statuses, true);
    if (p.hasRetryBackOff() && p.getRetryBackOff().hasBaseInterval()) {
      Duration base = duration(p.getRetryBackOff().getBaseInterval());
      Duration max = p.getRetryBackOff().hasMaxInterval() ? duration(p.getRetryBackOff().getMaxInterval())
          : base.multipliedBy(RetryPolicy.Backoff.MAX_FACTOR);
      if (max.compareTo(base) < 0) {
        f.fail(field + ".retry_back_off", "max_interval is below base_interval");
      } else {
        policy = policy.withBackoff(new RetryPolicy.Backoff(base, max, RetryPolicy.Backoff.MAX_RETRY_AFTER));
      }
    }
    return policy;
  }

  private static Action redirect(RedirectAction r, String field, Findings f) {
    String scheme = switch (r.getSchemeRewriteSpecifierCase()) {
      case HTTPS_REDIRECT -> r.getHttpsRedirect() ? "https" : "";
      case SCHEME_REDIRECT -> r.getSchemeRedirect();
      default -> "";
    };
    String path = "";
    switch (r.getPathRewriteSpecifierCase()) {
      case PATH_REDIRECT -> path = r.getPathRedirect();
      case PATHREWRITESPECIFIER_NOT_SET -> { }
      default -> f.fail(field, "redirect " + r.getPathRewriteSpecifierCase() + " is not served (expected: path_redirect)");
    }
    int status = switch (r.getResponseCode()) {
      case FOUND -> 302;
      case SEE_OTHER -> 303;
      case TEMPORARY_REDIRECT -> 307;
      case PERMANENT_REDIRECT -> 308;
      default -> 301;
    };
    return new Action.Redirect(scheme, r.getHostRedirect(), r.getPortRedirect(), path, status);
  }

  private static Action direct(DirectResponseAction d, String field, Findings f) {
    String body = "";
    if (d.hasBody()) {
      switch (d.getBody().getSpecifierCase()) {
        case INLINE_STRING -> body = d.getBody().getInlineString();
        case INLINE_BYTES -> body = d.getBody().getInlineBytes().toStringUtf8();
        default -> f.fail(field + ".body", "body " + d.getBody().getSpecifierCase() + " is not served (expected: inline)");
      }
    }
    if (d.getStatus() < 200 || d.getStatus() > 599) {
      f.fail(field + ".status", d.getStatus() + " is not an HTTP status (expected: 200..599)");
      return null;
    }
    return new Action.DirectResponse(d.getStatus(), body);
  }

  static Duration duration(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  /** Header edits gathered from the route configuration down to the route: the more specific level wins. */
  private static final class Edits {
    final Map<String, String> requestSet = new LinkedHashMap<>();
    final Map<String, String> requestAdd = new LinkedHashMap<>();
    final Set<String> requestRemove = new LinkedHashSet<>();
    final Map<String, String> responseSet = new LinkedHashMap<>();
    final Map<String, String> responseAdd = new LinkedHashMap<>();
    final Set<String> responseRemove = new LinkedHashSet<>();

    Edits copy() {
      Edits e = new Edits();
      e.requestSet.putAll(requestSet);
      e.requestAdd.putAll(requestAdd);
      e.requestRemove.addAll(requestRemove);
      e.responseSet.putAll(responseSet);
      e.responseAdd.putAll(responseAdd);
      e.responseRemove.addAll(responseRemove);
      return e;
    }

    void add(List<HeaderValueOption> requestAdd, List<String> requestRemove, List<HeaderValueOption> responseAdd,
             List<String> responseRemove, String field, Findings f) {
      String prefix = field.isEmpty() ? "" : field + ".";
      options(requestAdd, this.requestSet, this.requestAdd, prefix + "request_headers_to_add", f);
      requestRemove.forEach(h -> this.requestRemove.add(h.toLowerCase(Locale.ROOT)));
      options(responseAdd, this.responseSet, this.responseAdd, prefix + "response_headers_to_add", f);
      responseRemove.forEach(h -> this.responseRemove.add(h.toLowerCase(Locale.ROOT)));
    }

    private static void options(List<HeaderValueOption> options, Map<String, String> set, Map<String, String> add,
                                String field, Findings f) {
      for (int i = 0; i < options.size(); i++) {
        HeaderValueOption o = options.get(i);
        String name = o.getHeader().getKey().toLowerCase(Locale.ROOT);
        String value = o.getHeader().getValue().isEmpty() ? o.getHeader().getRawValue().toStringUtf8() : o.getHeader().getValue();
        if (value.contains("%")) {
          f.fail(field + "[" + i + "]", "header " + name + ": Envoy command operators (%…%) are not served");
          continue;
        }
        boolean append = o.hasAppend() ? o.getAppend().getValue()
            : o.getAppendAction() == HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD;
        if (!o.hasAppend() && (o.getAppendAction() == HeaderValueOption.HeaderAppendAction.ADD_IF_ABSENT
            || o.getAppendAction() == HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS)) {
          f.fail(field + "[" + i + "].append_action", o.getAppendAction() + " is not served (expected: append or overwrite)");
          continue;
        }
        if (append) {
          add.put(name, value);
          set.remove(name);
        } else {
          set.put(name, value);
          add.remove(name);
        }
      }
    }

    HeaderOps build() {
      HeaderOps.Edits request = new HeaderOps.Edits(requestSet, requestAdd, List.copyOf(requestRemove));
      HeaderOps.Edits response = new HeaderOps.Edits(responseSet, responseAdd, List.copyOf(responseRemove));
      return request.isEmpty() && response.isEmpty() ? HeaderOps.NONE : new HeaderOps(request, response);
    }
  }
}
