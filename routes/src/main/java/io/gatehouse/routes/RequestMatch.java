package io.gatehouse.routes;

import java.util.Map;
import java.util.Set;

/**
 * One way a request can match a route; every field must hold (AND). An empty {@code methods}
 * set takes any method. Header names are lowercase; query parameter names are as written.
 */
public record RequestMatch(PathMatch path, Set<String> methods, Map<String, StringMatch> headers,
                           Map<String, StringMatch> query) {
  public RequestMatch {
    methods = Set.copyOf(methods);
    headers = Map.copyOf(headers);
    query = Map.copyOf(query);
  }

  /** Matches every request. */
  public static final RequestMatch ANY = new RequestMatch(new PathMatch.Prefix("/"), Set.of(), Map.of(), Map.of());
}
