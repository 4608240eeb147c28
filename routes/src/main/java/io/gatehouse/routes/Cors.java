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
