package io.gatehouse.routes.load;

import io.gatehouse.routes.CircuitBreaker;
import io.gatehouse.routes.HashOn;
import io.gatehouse.routes.HealthCheck;
import io.gatehouse.routes.OutlierDetection;
import io.gatehouse.routes.RetryBudget;
import io.gatehouse.routes.Upstream;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an upstream's traffic policy: {@code hashOn}, {@code healthCheck}, {@code outlierDetection},
 * {@code circuitBreaker} and {@code retryBudget}. Absent blocks are the model's NONE/DEFAULT values;
 * keys left out of a present block take the defaults the README lists.
 */
final class UpstreamPolicyReader {
  private static final Set<String> HEALTH_KEYS = Set.of("path", "interval", "timeout", "healthyThreshold", "unhealthyThreshold");
  private static final Set<String> OUTLIER_KEYS = Set.of("consecutiveErrors", "baseEjectionTime", "maxEjectionPercent");
  private static final Set<String> BREAKER_KEYS = Set.of("maxConnections", "maxPendingRequests", "maxRequests");
  private static final Set<String> BUDGET_KEYS = Set.of("percent", "minRetries");
  /** RFC 9110 token, lowercase for header names. */
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
  private static final Pattern PATH = Pattern.compile("/[\\x21-\\x7e]*");
  private static final int MAX_LIMIT = 1_000_000_000;

  private UpstreamPolicyReader() {}

  /** {@code header:NAME}, {@code cookie:NAME} or {@code client}; required by CONSISTENT_HASH and only there. */
  static HashOn hashOn(Fields f, Upstream.LoadBalancer lb) {
    boolean hashing = lb == Upstream.LoadBalancer.CONSISTENT_HASH;
    String text = f.string("hashOn", null);
    if (text == null) {
      if (hashing) {
        f.problems().add(f.origin("loadBalancer"), f.what() + ": loadBalancer CONSISTENT_HASH needs \"hashOn\""
            + " (header:NAME, cookie:NAME or client)");
      }
      return HashOn.NONE;
    }
    if (!hashing) {
      f.problems().add(f.origin("hashOn"), f.what() + ".hashOn only applies to loadBalancer: CONSISTENT_HASH (this one is "
          + lb + ")");
      return HashOn.NONE;
    }
    if (text.equals("client")) {
      return new HashOn.Client();
    }
    int colon = text.indexOf(':');
    String kind = colon < 0 ? text : text.substring(0, colon);
    String name = colon < 0 ? "" : text.substring(colon + 1);
    if ((kind.equals("header") || kind.equals("cookie")) && TOKEN.matcher(name).matches()) {
      return kind.equals("header") ? new HashOn.Header(name.toLowerCase(java.util.Locale.ROOT)) : new HashOn.Cookie(name);
    }
    f.problems().add(f.origin("hashOn"), f.what() + ".hashOn: " + Fields.quote(text)
        + " (expected header:NAME, cookie:NAME or client)");
    return HashOn.NONE;
  }

  static HealthCheck healthCheck(Fields upstream) {
    return upstream.nested("healthCheck", upstream.what() + " healthCheck", HEALTH_KEYS).map(h -> {
      String path = h.required("path");
      if (!path.isEmpty() && !PATH.matcher(path).matches()) {
        h.problems().add(h.origin("path"), h.what() + ".path: " + Fields.quote(path)
            + " (expected an absolute path such as /healthz, without spaces)");
      }
      HealthCheck d = HealthCheck.DEFAULT;
      Duration interval = positive(h, "interval", d.interval());
      Duration timeout = positive(h, "timeout", d.timeout());
      return new HealthCheck(true, path, interval, timeout, h.integer("healthyThreshold", d.healthyThreshold(), 1, 100),
          h.integer("unhealthyThreshold", d.unhealthyThreshold(), 1, 100));
    }).orElse(HealthCheck.NONE);
  }

  static OutlierDetection outlierDetection(Fields upstream) {
    return upstream.nested("outlierDetection", upstream.what() + " outlierDetection", OUTLIER_KEYS).map(o ->
        new OutlierDetection(true, o.integer("consecutiveErrors", OutlierDetection.DEFAULT.consecutiveErrors(), 1, 1000),
            positive(o, "baseEjectionTime", OutlierDetection.DEFAULT.baseEjectionTime()),
            o.integer("maxEjectionPercent", OutlierDetection.DEFAULT.maxEjectionPercent(), 0, 100))
    ).orElse(OutlierDetection.NONE);
  }

  static CircuitBreaker circuitBreaker(Fields upstream) {
    return upstream.nested("circuitBreaker", upstream.what() + " circuitBreaker", BREAKER_KEYS).map(c ->
        new CircuitBreaker(c.integer("maxConnections", CircuitBreaker.DEFAULT_MAX_CONNECTIONS, 1, MAX_LIMIT),
            c.integer("maxPendingRequests", CircuitBreaker.UNLIMITED, 1, MAX_LIMIT),
            c.integer("maxRequests", CircuitBreaker.UNLIMITED, 1, MAX_LIMIT))
    ).orElse(CircuitBreaker.DEFAULT);
  }

  static RetryBudget retryBudget(Fields upstream) {
    return upstream.nested("retryBudget", upstream.what() + " retryBudget", BUDGET_KEYS).map(b ->
        new RetryBudget(b.integer("percent", RetryBudget.DEFAULT.percent(), 0, 100),
            b.integer("minRetries", RetryBudget.DEFAULT.minRetries(), 0, 10_000))
    ).orElse(RetryBudget.DEFAULT);
  }

  private static Duration positive(Fields f, String key, Duration fallback) {
    Duration value = f.duration(key, fallback);
    if (value.isZero()) {
      f.problems().add(f.origin(key), f.what() + "." + key + ": must be longer than 0s");
      return fallback;
    }
    return value;
  }
}
