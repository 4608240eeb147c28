package io.gatehouse.routes.load;

import io.gatehouse.routes.Cors;
import io.gatehouse.routes.DataSize;
import io.gatehouse.routes.Fault;
import io.gatehouse.routes.Mirror;
import io.gatehouse.routes.RateLimit;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a route's traffic policies: {@code fault}, {@code rateLimit}, {@code maxBodySize},
 * {@code mirror} and {@code cors}. Absent blocks are the records' {@code NONE} values.
 */
final class RoutePolicyReader {
  private static final Set<String> FAULT_KEYS = Set.of("delay", "abort", "header");
  private static final Set<String> DELAY_KEYS = Set.of("fixed", "percent");
  private static final Set<String> ABORT_KEYS = Set.of("status", "percent");
  private static final Set<String> RATE_KEYS = Set.of("requestsPerSecond", "burst", "key", "global");
  private static final Set<String> GLOBAL_KEYS = Set.of("redis", "failOpen", "timeout");
  private static final Set<String> MIRROR_KEYS = Set.of("upstream", "percent");
  private static final Set<String> CORS_KEYS = Set.of("allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders",
      "maxAge", "allowCredentials");
  private static final Pattern HEADER = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");
  private static final Pattern METHOD = Pattern.compile("[A-Z]+");
  private static final Pattern ORIGIN = Pattern.compile("https?://(\\*\\.)?[a-z0-9.-]+(:\\d{1,5})?");
  private static final String PLACEHOLDER = "***";

  private final Problems problems;
  private final Set<String> upstreams;
  private final boolean checkUpstreams;

  /** Without {@code checkUpstreams} the mirror's upstream is left to the merged-config check ({@link CrossCheck}). */
  RoutePolicyReader(Problems problems, Set<String> upstreams, boolean checkUpstreams) {
    this.checkUpstreams = checkUpstreams;
    this.problems = problems;
    this.upstreams = upstreams;
  }

  Fault fault(Fields route) {
    return route.nested("fault", route.what() + " fault", FAULT_KEYS).map(f -> {
      Fault.Delay delay = f.nested("delay", f.what() + ".delay", DELAY_KEYS).map(d -> {
        if (!d.has("fixed")) {
          problems.add(d.origin(), d.what() + ": \"fixed\" is required (e.g. fixed: 200ms)");
        }
        return new Fault.Delay(d.duration("fixed", Duration.ZERO), percent(d));
      }).orElse(Fault.Delay.NONE);
      Fault.Abort abort = f.nested("abort", f.what() + ".abort", ABORT_KEYS).map(a -> {
        if (!a.has("status")) {
          problems.add(a.origin(), a.what() + ": \"status\" is required (e.g. status: 503)");
        }
        return new Fault.Abort(a.integer("status", 503, 200, 599), percent(a));
      }).orElse(Fault.Abort.NONE);
      if (!f.has("delay") && !f.has("abort")) {
        problems.add(f.origin(), f.what() + ": expected delay, abort or both");
      }
      String header = f.has("header") ? headerName(f, "header", f.string("header", "")) : "";
      return new Fault(delay, abort, header);
    }).orElse(Fault.NONE);
  }

  private double percent(Fields f) {
    if (!f.has("percent")) {
      problems.add(f.origin(), f.what() + ": \"percent\" is required (0..100)");
    }
    return f.decimal("percent", 0, 0, 100);
  }

  RateLimit rateLimit(Fields route) {
    return route.nested("rateLimit", route.what() + " rateLimit", RATE_KEYS).map(r -> {
      if (!r.has("requestsPerSecond")) {
        problems.add(r.origin(), r.what() + ": \"requestsPerSecond\" is required");
      }
      double rate = r.decimal("requestsPerSecond", 1, 0.001, 1_000_000);
      int burst = r.integer("burst", (int) Math.max(1, Math.ceil(rate)), 1, 10_000_000);
      RateLimit.Key key = r.has("key") ? key(r, r.string("key", "")) : RateLimit.DEFAULT_KEY;
      RateLimit.Global global = r.nested("global", r.what() + ".global", GLOBAL_KEYS).map(this::global)
          .orElse(RateLimit.Global.NONE);
      return new RateLimit(rate, burst, key, global);
    }).orElse(RateLimit.NONE);
  }

  private RateLimit.Key key(Fields r, String text) {
    if (text.equals("client")) {
      return new RateLimit.Key.Client();
    }
    if (text.equals("route")) {
      return new RateLimit.Key.Route();
    }
    if (text.startsWith("header:")) {
      return new RateLimit.Key.Header(headerName(r, "key", text.substring("header:".length())));
    }
    problems.add(r.origin("key"), r.what() + ".key: " + Fields.quote(text) + " (expected client, route or header:NAME)");
    return new RateLimit.Key.Client();
  }

  private RateLimit.Global global(Fields g) {
    String url = g.required("redis");
    if (!url.isEmpty() && !isRedisUrl(url)) {
      // The value is not echoed: it may hold a password.
      problems.add(g.origin("redis"), g.what() + ".redis is not a Redis address (expected redis://[:password@]host:port[/db])");
    } else if (hasPlaceholderPassword(url)) {
      problems.add(g.origin("redis"), g.what() + ".redis has the password " + PLACEHOLDER + " that the admin API shows in place"
          + " of the real one: write the real URL (a PUT of a route as GET showed it keeps the serving password)");
    }
    Duration timeout = g.duration("timeout", RateLimit.Global.DEFAULT_TIMEOUT);
    if (timeout.isZero()) {
      problems.add(g.origin("timeout"), g.what() + ".timeout must be more than 0");
    }
    return new RateLimit.Global(url, g.bool("failOpen", RateLimit.Global.DEFAULT_FAIL_OPEN), timeout);
  }

  /** The admin API's stand-in for a Redis password ({@code redis://:***@host:6379}, {@code ?password=***}). */
  private static boolean hasPlaceholderPassword(String url) {
    URI uri = URI.create(url);
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null && (userInfo.equals(PLACEHOLDER) || userInfo.endsWith(":" + PLACEHOLDER))) {
      return true;
    }
    String query = uri.getRawQuery();
    return query != null && Arrays.stream(query.split("&"))
        .anyMatch(p -> p.toLowerCase(Locale.ROOT).equals("password=" + PLACEHOLDER));
  }

  private static boolean isRedisUrl(String url) {
    try {
      URI uri = new URI(url);
      return ("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  DataSize maxBodySize(Fields route) {
    DataSize size = route.size("maxBodySize", new DataSize(0));
    if (route.has("maxBodySize") && size.bytes() == 0) {
      problems.add(route.origin("maxBodySize"), route.what() + ".maxBodySize must be more than 0 (leave it out for no limit)");
    }
    return size;
  }

  Mirror mirror(Fields route) {
    return route.nested("mirror", route.what() + " mirror", MIRROR_KEYS).map(m -> {
      String upstream = m.required("upstream");
      if (checkUpstreams && !upstream.isEmpty() && !upstreams.contains(upstream)) {
        problems.add(m.origin("upstream"), m.what() + ": upstream " + Fields.quote(upstream) + " is not defined (known: "
            + String.join(", ", upstreams) + ")");
      }
      return new Mirror(upstream, m.decimal("percent", Mirror.DEFAULT_PERCENT, 0, 100));
    }).orElse(Mirror.NONE);
  }

  Cors cors(Fields route) {
    return route.nested("cors", route.what() + " cors", CORS_KEYS).map(c -> {
      List<String> origins = new ArrayList<>();
      for (String o : c.strings("allowOrigins")) {
        String origin = o.toLowerCase(Locale.ROOT);
        if (origin.equals("*") || ORIGIN.matcher(origin).matches()) {
          origins.add(origin);
        } else {
          problems.add(c.origin("allowOrigins"), c.what() + ".allowOrigins: " + Fields.quote(o)
              + " is not an origin (expected *, https://host[:port] or https://*.domain)");
        }
      }
      if (c.list("allowOrigins").isEmpty()) {
        problems.add(c.origin("allowOrigins"), c.what() + ": \"allowOrigins\" needs at least one origin");
      }
      List<String> methods = new ArrayList<>();
      for (String m : c.strings("allowMethods")) {
        if (METHOD.matcher(m).matches()) {
          methods.add(m);
        } else {
          problems.add(c.origin("allowMethods"), c.what() + ".allowMethods: " + Fields.quote(m) + " is not a method (e.g. GET, POST)");
        }
      }
      boolean credentials = c.bool("allowCredentials", false);
      if (credentials && origins.contains("*")) {
        problems.add(c.origin("allowCredentials"), c.what() + ": allowCredentials cannot be used with allowOrigins \"*\" (browsers refuse it)");
      }
      return new Cors(origins, methods.isEmpty() ? Cors.DEFAULT_METHODS : methods,
          headers(c, "allowHeaders"), headers(c, "exposeHeaders"), c.duration("maxAge", Cors.DEFAULT_MAX_AGE), credentials);
    }).orElse(Cors.NONE);
  }

  private List<String> headers(Fields c, String key) {
    return c.strings(key).stream().map(h -> headerName(c, key, h)).toList();
  }

  private String headerName(Fields f, String key, String name) {
    String lower = name.trim().toLowerCase(Locale.ROOT);
    if (!HEADER.matcher(lower).matches()) {
      problems.add(f.origin(key), f.what() + "." + key + ": " + Fields.quote(name) + " is not a header name");
    }
    return lower;
  }
}
