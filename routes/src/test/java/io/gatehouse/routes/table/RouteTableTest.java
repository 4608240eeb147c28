package io.gatehouse.routes.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.load.ConfigFile;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Which route a request lands on, table-driven: host precedence, fall-through, every match kind. */
class RouteTableTest {
  private static final String CONFIG = """
      routes:
        - { name: shop-exact,    hosts: [shop.example.com], match: [{ path: { exact: /cart } }], directResponse: { status: 200 } }
        - { name: shop-api,      hosts: [shop.example.com], match: [{ path: { prefix: /api }, methods: [GET, HEAD] }], directResponse: { status: 200 } }
        - { name: deep-wild,     hosts: ["*.eu.example.com"], match: [{ path: { prefix: /eu } }], directResponse: { status: 200 } }
        - { name: wild-regex,    hosts: ["*.example.com"], match: [{ path: { regex: "/items/[0-9]+" } }], directResponse: { status: 200 } }
        - { name: wild-canary,   hosts: ["*.example.com"], match: [{ headers: { x-canary: { exact: "1" } } }], directResponse: { status: 200 } }
        - name: headers
          hosts: [h.test]
          match:
            - { path: { exact: /p }, headers: { x-tier: { prefix: gold } } }
            - { path: { exact: /r }, headers: { x-user: { regex: "u-[a-z]+" } } }
            - { path: { exact: /present }, headers: { x-debug: { present: true } } }
            - { path: { exact: /q }, query: { v: { exact: "2" } } }
            - { path: { exact: /qp }, query: { beta: { present: true } } }
          directResponse: { status: 200 }
        - { name: first-wins,    hosts: [order.test], match: [{ path: { prefix: /a } }], directResponse: { status: 200 } }
        - { name: second-loses,  hosts: [order.test], match: [{ path: { prefix: /a/b } }], directResponse: { status: 200 } }
        - { name: catch-post,    match: [{ path: { prefix: /submit }, methods: [POST] }], directResponse: { status: 200 } }
        - { name: catch-all,     match: [{ path: { prefix: /public } }], directResponse: { status: 200 } }
      """;

  private static final RouteTable<String> TABLE = compile();

  private static RouteTable<String> compile() {
    LoadResult result = ConfigLoader.load(List.of(new ConfigFile("t.yaml", CONFIG, Path.of("."))));
    if (result instanceof LoadResult.Rejected r) {
      throw new AssertionError(r.errors().toString());
    }
    GatewayConfig config = ((LoadResult.Loaded) result).config();
    return RouteTable.compile(config.routes(), (route, match) -> route.name(), "none");
  }

  record Case(String desc, String method, String host, String path, Map<String, String> headers,
              Map<String, String> query, String route) {
    static Case of(String desc, String host, String path, String route) {
      return new Case(desc, "GET", host, path, Map.of(), Map.of(), route);
    }

    Case method(String m) {
      return new Case(desc, m, host, path, headers, query, route);
    }

    Case headers(Map<String, String> h) {
      return new Case(desc, method, host, path, h, query, route);
    }

    Case query(Map<String, String> q) {
      return new Case(desc, method, host, path, headers, q, route);
    }

    @Override public String toString() {
      return desc;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        Case.of("exact host, exact path", "shop.example.com", "/cart", "shop-exact"),
        Case.of("exact path does not match a longer path", "shop.example.com", "/cart/x", "none"),
        Case.of("host case and port are ignored", "SHOP.Example.com:8443", "/cart", "shop-exact"),
        Case.of("trailing dot of a host is ignored", "shop.example.com.", "/cart", "shop-exact"),
        Case.of("prefix path with an allowed method", "shop.example.com", "/api/v1", "shop-api"),
        Case.of("prefix path with another method", "shop.example.com", "/api/v1", "none").method("DELETE"),
        Case.of("exact host falls through to its wildcard", "shop.example.com", "/items/42", "wild-regex"),
        Case.of("exact host falls through to the catch-all", "shop.example.com", "/public/x", "catch-all"),
        Case.of("wildcard takes a subdomain", "www.example.com", "/items/7", "wild-regex"),
        Case.of("regex must match the whole path", "www.example.com", "/items/7/reviews", "none"),
        Case.of("wildcard takes deeper subdomains", "a.b.example.com", "/items/1", "wild-regex"),
        Case.of("wildcard does not take the bare domain", "example.com", "/items/1", "none"),
        Case.of("wildcard suffix must be on a label boundary", "evilexample.com", "/items/1", "none"),
        Case.of("longest wildcard wins", "x.eu.example.com", "/eu/items/1", "deep-wild"),
        Case.of("longer wildcard falls through to the shorter one", "x.eu.example.com", "/items/1", "wild-regex"),
        Case.of("longer wildcard falls through to the catch-all", "x.eu.example.com", "/public", "catch-all"),
        Case.of("a deeper wildcard does not take its own bare domain", "eu.example.com", "/eu", "none"),
        Case.of("exact host never takes a wildcard of another domain", "shop.example.com", "/eu", "none"),
        Case.of("wildcard host in any case", "WWW.Example.COM:443", "/items/3", "wild-regex"),
        Case.of("header exact on a wildcard route", "www.example.com", "/", "wild-canary").headers(Map.of("x-canary", "1")),
        Case.of("header exact with another value", "www.example.com", "/", "none").headers(Map.of("x-canary", "2")),
        Case.of("header prefix", "h.test", "/p", "headers").headers(Map.of("x-tier", "gold-plus")),
        Case.of("header prefix missing", "h.test", "/p", "none"),
        Case.of("header regex", "h.test", "/r", "headers").headers(Map.of("x-user", "u-abc")),
        Case.of("header regex is anchored", "h.test", "/r", "none").headers(Map.of("x-user", "u-abc1")),
        Case.of("header present", "h.test", "/present", "headers").headers(Map.of("x-debug", "")),
        Case.of("header absent", "h.test", "/present", "none"),
        Case.of("query exact", "h.test", "/q", "headers").query(Map.of("v", "2")),
        Case.of("query exact with another value", "h.test", "/q", "none").query(Map.of("v", "3")),
        Case.of("query present", "h.test", "/qp", "headers").query(Map.of("beta", "")),
        Case.of("declared order: the first match wins", "order.test", "/a/b/c", "first-wins"),
        Case.of("catch-all with a method", "unknown.test", "/submit", "catch-post").method("POST"),
        Case.of("catch-all with another method", "unknown.test", "/submit", "none"),
        Case.of("no host goes to the catch-all", null, "/public", "catch-all"),
        Case.of("IPv6 literal host with a port", "[::1]:8080", "/public", "catch-all"),
        Case.of("nothing matches", "unknown.test", "/private", "none"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void routesTheRequest(Case c) {
    assertEquals(c.route(), TABLE.match(view(c)));
  }

  @Test
  void hostsAreListed() {
    assertEquals(List.of("*", "*.eu.example.com", "*.example.com", "h.test", "order.test", "shop.example.com"),
        List.copyOf(TABLE.hosts()));
  }

  @Test
  void aRouteWithoutMatchEntriesTakesEveryRequestForItsHosts() {
    Route route = Route.builder("all", new Action.DirectResponse(200, "")).hosts(List.of("A.Test")).match(List.of())
        .build();
    RouteTable<String> table = RouteTable.compile(List.of(route), (r, m) -> r.name(), "none");
    assertEquals("all", table.match(view(Case.of("x", "a.test", "/anything", "all").method("PATCH"))));
    assertEquals("none", table.match(view(Case.of("x", "b.test", "/anything", "none"))));
  }

  @Test
  void aRouteOnANameAndTheCatchAllIsTriedOnce() {
    List<RequestMatch> tried = new java.util.ArrayList<>();
    Route route = Route.builder("both", new Action.DirectResponse(200, "")).hosts(List.of("a.test", "*"))
        .match(List.of(new RequestMatch(new PathMatch.Exact("/x"), Set.of(), Map.of(), Map.of()))).build();
    RouteTable<String> table = RouteTable.compile(List.of(route), (r, m) -> {
      tried.add(m);
      return r.name();
    }, "none");
    assertEquals(1, tried.size(), "each match entry is compiled once");
    assertEquals("both", table.match(view(Case.of("x", "a.test", "/x", "both"))));
    assertEquals("both", table.match(view(Case.of("x", "other.test", "/x", "both"))));
  }

  @Test
  void matchingAllocatesNothing() {
    java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean tb && tb.isThreadAllocatedMemorySupported());
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    // No regex on these paths: a regex Matcher is the one allocation a lookup may make.
    List<RequestView> views = Stream.of(
        Case.of("exact", "SHOP.example.com:8443", "/cart", "shop-exact"),
        Case.of("deep wildcard", "x.EU.example.com.", "/eu/x", "deep-wild"),
        Case.of("exact host falls through", "order.test", "/public/x", "catch-all"),
        Case.of("header", "h.test", "/p", "headers").headers(Map.of("x-tier", "gold")),
        Case.of("query", "h.test:80", "/q", "headers").query(Map.of("v", "2")),
        Case.of("no host", null, "/public", "catch-all"),
        Case.of("miss", "[::1]:8080", "/private", "none")).map(RouteTableTest::view).toList();
    RequestView[] requests = views.toArray(new RequestView[0]);
    long sink = 0;
    for (int i = 0; i < 20_000; i++) {
      sink += TABLE.match(requests[i % requests.length]).length();
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 60_000; i++) {
      sink += TABLE.match(requests[i % requests.length]).length();
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(sink > 0);
    // Any per-lookup allocation would be at least 16 bytes x 60,000 lookups; allow a little noise.
    assertTrue(allocated < 4096, () -> allocated + " bytes allocated by 60,000 lookups");
  }

  @Test
  void aCatastrophicBacktrackingRegexRunsInLinearTime() {
    // With java.util.regex, one 34-character path took 8.4 s on this pattern (issue 18).
    Route route = Route.builder("r3", new Action.DirectResponse(200, "")).match(List.of(new RequestMatch(
        new PathMatch.Regex("/r3/(.*a){14}$"), Set.of(), Map.of(),
        Map.of("q", new io.gatehouse.routes.StringMatch.Regex("(x+x+)+y"))))).build();
    RouteTable<String> table = RouteTable.compile(List.of(route), (r, m) -> r.name(), "none");
    long start = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      assertEquals("none", table.match(view(Case.of("stall", "a.test", "/r3/" + "a".repeat(29) + "b", "none")
          .query(Map.of("q", "x".repeat(40))))));
    }
    assertEquals("r3", table.match(view(Case.of("match", "a.test", "/r3/" + "a".repeat(14), "r3").query(Map.of("q", "xxy")))));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < 2_000, () -> "100 lookups took " + millis + " ms");
  }

  @Test
  void anEmptyTableAnswersNoRoute() {
    RouteTable<String> empty = RouteTable.compile(List.of(), (r, m) -> r.name(), "none");
    assertEquals("none", empty.match(view(Case.of("x", "a.test", "/", "none"))));
  }

  @Test
  void hostNormalisation() {
    assertEquals("a.test", Hosts.normalise("A.Test:80"));
    assertEquals("[::1]", Hosts.normalise("[::1]:443"));
    assertEquals("a.test", Hosts.normalise("a.test."));
    String already = "plain.test";
    assertEquals(true, already == Hosts.normalise(already), "a normal host is returned as is, without copying");
  }

  private static RequestView view(Case c) {
    return new RequestView() {
      @Override public String method() {
        return c.method();
      }

      @Override public String host() {
        return c.host();
      }

      @Override public String path() {
        return c.path();
      }

      @Override public String header(String name) {
        return c.headers().get(name);
      }

      @Override public String query(String name) {
        return c.query().get(name);
      }
    };
  }
}
