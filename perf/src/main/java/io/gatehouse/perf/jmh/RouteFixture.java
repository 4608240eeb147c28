package io.gatehouse.perf.jmh;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.StringMatch;
import io.gatehouse.routes.table.RequestView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A synthetic config of {@code hosts} host names with {@code routesPerHost} routes each, and
 * requests that hit them. Host i is written according to the mix: an exact name
 * ({@code h17.shop.test}), a wildcard ({@code *.h17.shop.test}, requested as
 * {@code api.h17.shop.test}), or an exact name whose routes match paths by regex. Every route
 * matches one path family ({@code /svc3/...}); the last route of each host also wants a header,
 * so a request walks up to {@code routesPerHost} entries before it finds its route.
 */
record RouteFixture(List<Route> routes, List<Request> requests) {
  private static final Action FORWARD = new Action.Forward(List.of(new Action.Backend("backend", 1)));

  /** How host patterns and path matches are spread over the hosts. */
  enum Mix { EXACT, WILDCARD, REGEX, MIXED }

  /** A request and the route name that must answer it ("" for no route). */
  record Request(String method, String host, String path, Map<String, String> headers, String expected)
      implements RequestView {
    @Override public String header(String name) {
      return headers.get(name);
    }

    @Override public String query(String name) {
      return null;
    }
  }

  static RouteFixture build(Mix mix, int hosts, int routesPerHost, int requestCount, long seed) {
    List<Route> routes = new ArrayList<>(hosts * routesPerHost);
    for (int h = 0; h < hosts; h++) {
      Mix kind = kind(mix, h);
      String pattern = kind == Mix.WILDCARD ? "*.h" + h + ".shop.test" : "h" + h + ".shop.test";
      for (int r = 0; r < routesPerHost; r++) {
        PathMatch path = kind == Mix.REGEX
            ? new PathMatch.Regex("/svc" + r + "/[0-9]+/items(/.*)?")
            : new PathMatch.Prefix("/svc" + r + "/");
        Map<String, StringMatch> headers = r == routesPerHost - 1
            ? Map.of("x-canary", new StringMatch.Exact("1")) : Map.of();
        RequestMatch match = new RequestMatch(path, Set.of(), headers, Map.of());
        routes.add(Route.builder("r" + h + "-" + r, FORWARD).hosts(List.of(pattern)).match(List.of(match)).build());
      }
    }
    Random random = new Random(seed);
    List<Request> requests = new ArrayList<>(requestCount);
    for (int i = 0; i < requestCount; i++) {
      int h = random.nextInt(hosts);
      int r = random.nextInt(routesPerHost);
      Mix kind = kind(mix, h);
      String host = (kind == Mix.WILDCARD ? "api.h" : "h") + h + ".shop.test" + (i % 4 == 0 ? ":8443" : "");
      String path = "/svc" + r + "/" + random.nextInt(1000) + "/items";
      Map<String, String> headers = r == routesPerHost - 1 ? Map.of("x-canary", "1") : Map.of();
      boolean miss = i % 16 == 0; // one request in 16 asks a path no route takes: a full scan, then 404
      requests.add(miss
          ? new Request("GET", host, "/nothing/here", Map.of(), "")
          : new Request("GET", host, path, headers, "r" + h + "-" + r));
    }
    return new RouteFixture(List.copyOf(routes), List.copyOf(requests));
  }

  private static Mix kind(Mix mix, int host) {
    return mix == Mix.MIXED ? List.of(Mix.EXACT, Mix.WILDCARD, Mix.REGEX).get(host % 3) : mix;
  }
}
