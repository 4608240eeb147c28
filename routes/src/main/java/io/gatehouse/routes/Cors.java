package io.gatehouse.routes;

import java.time.Duration;
import java.util.List;

/**
 * Cross-origin resource sharing for a route; the gateway answers preflights itself. Origins are
 * exact ({@code https://shop.example.com}), a wildcard subdomain ({@code https://*.example.com})
 * or {@code *}. {@link #NONE} (no origins) leaves CORS to the upstream.
 */
public record Cors(List<String> allowOrigins, List<String> allowMethods, List<String> allowHeaders,
                   List<String> exposeHeaders, Duration maxAge, boolean allowCredentials) {
  public static final Cors NONE = new Cors(List.of(), List.of(), List.of(), List.of(), Duration.ZERO, false);

  /** The methods a CORS block without {@code allowMethods} allows: the CORS-safelisted ones (Fetch standard). */
  public static final List<String> DEFAULT_METHODS = List.of("GET", "HEAD", "POST");

  /** How long a preflight answer may be cached without {@code maxAge}: not at all (no {@code Access-Control-Max-Age}). */
  public static final Duration DEFAULT_MAX_AGE = Duration.ZERO;

  public Cors {
    allowOrigins = List.copyOf(allowOrigins);
    allowMethods = List.copyOf(allowMethods);
    allowHeaders = List.copyOf(allowHeaders);
    exposeHeaders = List.copyOf(exposeHeaders);
  }

  public boolean enabled() {
    return !allowOrigins.isEmpty();
  }
}
