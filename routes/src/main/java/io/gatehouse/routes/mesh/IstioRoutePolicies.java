package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Cors;
import io.gatehouse.routes.Fault;
import io.gatehouse.routes.Mirror;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The traffic policies of a VirtualService {@code http} entry: {@code fault}, {@code mirror} (and
 * {@code mirrors}, {@code mirrorPercentage}) and {@code corsPolicy}, as the native route's
 * {@link Fault}, {@link Mirror} and {@link Cors}. What the native records cannot say is warned about.
 */
final class IstioRoutePolicies {
  private static final Pattern ORIGIN = Pattern.compile("https?://(\\*\\.)?[a-z0-9.-]+(:\\d{1,5})?");
  /** {@code https://.*\.example\.com}, with optional anchors and {@code https?}: a wildcard subdomain. */
  private static final Pattern WILDCARD_REGEX =
      Pattern.compile("\\^?(https?\\??)://\\.\\*\\\\\\.((?:[a-z0-9-]+\\\\\\.)*[a-z0-9-]+)(:\\d{1,5})?\\$?");
  private static final Pattern METHOD = Pattern.compile("[A-Z]+");
  private static final Pattern HEADER = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");

  private final Destinations destinations;

  IstioRoutePolicies(Destinations destinations) {
    this.destinations = destinations;
  }

  /** Istio: a delay or abort without a percentage injects nothing (as Istio does); said so. */
  static Fault fault(Scope scope, Tree f) {
    if (!f.present()) {
      return Fault.NONE;
    }
    scope.unknownKeys(f, Set.of("delay", "abort"));
    Fault.Delay delay = Fault.Delay.NONE;
    Tree d = f.get("delay");
    if (d.present()) {
      scope.unknownKeys(d, Set.of("fixedDelay", "percentage", "percent"));
      Duration fixed = Duration.ZERO;
      if (d.has("fixedDelay")) {
        fixed = IstioRoutes.timeout(scope, d.get("fixedDelay"));
      } else {
        scope.error(d, "fixedDelay is required (exponentialDelay is not supported)");
      }
      delay = new Fault.Delay(fixed, percent(scope, d));
    }
    Fault.Abort abort = Fault.Abort.NONE;
    Tree a = f.get("abort");
    if (a.present()) {
      scope.unknownKeys(a, Set.of("httpStatus", "percentage"));
      int status = a.integer("httpStatus", 0);
      if (status < 200 || status > 599) {
        scope.error(a.has("httpStatus") ? a.get("httpStatus") : a, "an httpStatus 200..599 is required"
            + " (grpcStatus and http2Error aborts are not supported)");
      } else {
        abort = new Fault.Abort(status, percent(scope, a));
      }
    }
    return new Fault(delay, abort, "");
  }

  private static double percent(Scope scope, Tree at) {
    if (at.has("percentage")) {
      return percentValue(scope, at.get("percentage").get("value"));
    }
    if (at.has("percent")) {
      return percentValue(scope, at.get("percent"));
    }
    scope.warn(at, "no percentage: no request is affected (as in Istio); give percentage.value (0..100)");
    return 0;
  }

  private static double percentValue(Scope scope, Tree v) {
    double value = v.node().isNumber() || v.node().isTextual() ? parse(v.text()) : -1;
    if (value < 0 || value > 100) {
      scope.error(v, "expected a percentage 0..100");
      return 0;
    }
    return value;
  }

  private static double parse(String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * {@code mirror} + {@code mirrorPercentage} (or the older {@code mirror_percent}/{@code mirrorPercent}),
   * or {@code mirrors} with one entry: the destination becomes an upstream like a route destination.
   */
  Mirror mirror(Scope scope, Tree http) {
    Tree destination;
    double percent = 100;
    if (http.has("mirrors")) {
      List<Tree> mirrors = http.get("mirrors").items();
      if (http.has("mirror")) {
        scope.error(http.get("mirrors"), "use mirror or mirrors, not both");
        return Mirror.NONE;
      }
      if (mirrors.isEmpty()) {
        return Mirror.NONE;
      }
      for (int i = 1; i < mirrors.size(); i++) {
        scope.warn(mirrors.get(i), "only one mirror per route is supported; this one is ignored");
      }
      Tree first = mirrors.get(0);
      scope.unknownKeys(first, Set.of("destination", "percentage"));
      destination = first.get("destination");
      if (first.has("percentage")) {
        percent = percentValue(scope, first.get("percentage").get("value"));
      }
    } else if (http.has("mirror")) {
      destination = http.get("mirror");
      if (http.has("mirrorPercentage")) {
        percent = percentValue(scope, http.get("mirrorPercentage").get("value"));
      } else if (http.has("mirrorPercent")) {
        percent = percentValue(scope, http.get("mirrorPercent"));
      } else if (http.has("mirror_percent")) {
        percent = percentValue(scope, http.get("mirror_percent"));
      }
    } else {
      for (String key : List.of("mirrorPercentage", "mirrorPercent", "mirror_percent")) {
        if (http.has(key)) {
          scope.warn(http.get(key), "no mirror to apply it to; ignored");
        }
      }
      return Mirror.NONE;
    }
    scope.unknownKeys(destination, Set.of("host", "subset", "port"));
    Destinations.Target target = new Destinations.Target(destination.text("host"),
        destination.get("port").integer("number", 0), destination.text("subset"), scope.resource().namespace());
    double chosen = percent;
    return destinations.upstream(scope, destination, target).map(u -> new Mirror(u, chosen)).orElse(Mirror.NONE);
  }

  /**
   * {@code corsPolicy}: origins the native {@link Cors} can express (exact origins, {@code *}, and
   * regexes of the form {@code https://.*\.example\.com}) are kept, others are warned about and
   * left out. Without any origin left, CORS stays with the upstream.
   */
  static Cors cors(Scope scope, Tree c) {
    if (!c.present()) {
      return Cors.NONE;
    }
    scope.unknownKeys(c, Set.of("allowOrigins", "allowOrigin", "allowMethods", "allowHeaders", "exposeHeaders",
        "maxAge", "allowCredentials"));
    List<String> origins = new ArrayList<>();
    for (Tree o : c.get("allowOrigins").items()) {
      origin(scope, o).forEach(s -> addOnce(origins, s));
    }
    for (Tree o : c.get("allowOrigin").items()) {
      exact(scope, o, o.text()).forEach(s -> addOnce(origins, s));
    }
    List<String> methods = new ArrayList<>();
    for (Tree m : c.get("allowMethods").items()) {
      String method = m.text().toUpperCase(Locale.ROOT);
      if (METHOD.matcher(method).matches()) {
        methods.add(method);
      } else {
        scope.error(m, "\"" + m.text() + "\" is not a method (e.g. GET, POST)");
      }
    }
    Duration maxAge = c.has("maxAge") ? IstioRoutes.timeout(scope, c.get("maxAge")) : Cors.DEFAULT_MAX_AGE;
    return cors(scope, c, origins, methods, maxAge);
  }

  /**
   * A Gateway API CORS filter: {@code allowOrigins} as strings ({@code *}, {@code https://host[:port]},
   * {@code https://*.domain}), {@code maxAge} in seconds; the rest as in {@link #cors}.
   */
  static Cors gatewayApiCors(Scope scope, Tree c) {
    scope.unknownKeys(c, Set.of("allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge",
        "allowCredentials"));
    List<String> origins = new ArrayList<>();
    for (Tree o : c.get("allowOrigins").items()) {
      exact(scope, o, o.text()).forEach(s -> addOnce(origins, s));
    }
    List<String> methods = new ArrayList<>();
    for (Tree m : c.get("allowMethods").items()) {
      String method = m.text().toUpperCase(Locale.ROOT);
      if (method.equals("*")) {
        scope.warn(m, "\"*\" is not supported; list the methods (GET, HEAD, POST are allowed without any)");
      } else if (METHOD.matcher(method).matches()) {
        methods.add(method);
      } else {
        scope.error(m, "\"" + m.text() + "\" is not a method (e.g. GET, POST)");
      }
    }
    Duration maxAge = Duration.ofSeconds(Math.max(0, c.integer("maxAge", 5)));
    return cors(scope, c, origins, methods, maxAge);
  }

  /**
   * The parts both CORS forms share: credentials are dropped beside the origin {@code *}, no
   * expressible origin leaves CORS to the upstream, no method means GET, HEAD, POST.
   */
  private static Cors cors(Scope scope, Tree c, List<String> origins, List<String> methods, Duration maxAge) {
    boolean credentials = c.get("allowCredentials").node().asBoolean(false);
    if (credentials && origins.contains("*")) {
      scope.warn(c.get("allowCredentials"), "allowCredentials cannot be used with the origin \"*\" (browsers refuse"
          + " it); credentials are not allowed");
      credentials = false;
    }
    if (origins.isEmpty()) {
      scope.warn(c, "no origin this gateway can express is allowed; CORS is left to the upstream");
      return Cors.NONE;
    }
    return new Cors(origins, methods.isEmpty() ? Cors.DEFAULT_METHODS : methods,
        headers(scope, c.get("allowHeaders")), headers(scope, c.get("exposeHeaders")), maxAge, credentials);
  }

  private static void addOnce(List<String> origins, String origin) {
    if (!origins.contains(origin)) {
      origins.add(origin);
    }
  }

  private static List<String> origin(Scope scope, Tree o) {
    if (o.has("exact")) {
      return exact(scope, o.get("exact"), o.text("exact"));
    }
    if (o.has("regex")) {
      String regex = o.text("regex");
      if (regex.equals(".*") || regex.equals("^.*$") || regex.equals(".+")) {
        return List.of("*");
      }
      Matcher m = WILDCARD_REGEX.matcher(regex);
      if (m.matches()) {
        String domain = m.group(2).replace("\\.", ".") + (m.group(3) == null ? "" : m.group(3));
        return m.group(1).equals("https?")
            ? List.of("http://*." + domain, "https://*." + domain)
            : List.of(m.group(1) + "://*." + domain);
      }
      scope.warn(o.get("regex"), "only the regexes .* and SCHEME://.*\\.DOMAIN can be expressed as allowed"
          + " origins; this origin is not allowed");
      return List.of();
    }
    if (o.has("prefix")) {
      scope.warn(o.get("prefix"), "prefix origins cannot be expressed (use exact origins or a regex"
          + " SCHEME://.*\\.DOMAIN); this origin is not allowed");
      return List.of();
    }
    scope.error(o, "expected one of exact, prefix, regex");
    return List.of();
  }

  static List<String> exact(Scope scope, Tree at, String text) {
    String origin = text.toLowerCase(Locale.ROOT);
    if (origin.equals("*") || ORIGIN.matcher(origin).matches()) {
      return List.of(origin);
    }
    scope.warn(at, "\"" + text + "\" is not an origin this gateway can match (expected *, SCHEME://HOST[:PORT]);"
        + " ignored");
    return List.of();
  }

  private static List<String> headers(Scope scope, Tree list) {
    List<String> out = new ArrayList<>();
    for (Tree h : list.items()) {
      String name = h.text().trim().toLowerCase(Locale.ROOT);
      if (HEADER.matcher(name).matches()) {
        out.add(name);
      } else {
        scope.error(h, "\"" + h.text() + "\" is not a header name");
      }
    }
    return out;
  }
}
