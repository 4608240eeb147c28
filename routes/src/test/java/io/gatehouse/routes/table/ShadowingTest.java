package io.gatehouse.routes.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.load.ConfigFile;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A native route that earlier routes leave no request to gets a located "would never be used" warning. */
class ShadowingTest {
  /** Two routes, {@code first} then {@code second} (YAML flow mappings without name and action). */
  record Case(String desc, String first, String second, boolean shadowed) {
    @Override public String toString() {
      return desc;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("prefix / takes an exact path", "hosts: ['*'], match: [{ path: { prefix: / } }]",
            "hosts: ['*'], match: [{ path: { exact: /greet } }]", true),
        new Case("no match at all takes everything", "hosts: ['*']", "hosts: ['*'], match: [{ path: { prefix: /api } }]", true),
        new Case("hosts left out are *", "", "hosts: ['*'], match: [{ path: { exact: /greet }, methods: [GET] }]", true),
        new Case("a longer prefix", "match: [{ path: { prefix: /api } }]", "match: [{ path: { prefix: /api/v1 } }]", true),
        new Case("a shorter prefix is not taken", "match: [{ path: { prefix: /api/v1 } }]", "match: [{ path: { prefix: /api } }]", false),
        new Case("a string prefix, as matching is", "match: [{ path: { prefix: /api } }]", "match: [{ path: { exact: /apix } }]", true),
        new Case("the same exact path", "match: [{ path: { exact: /a } }]", "match: [{ path: { exact: /a } }]", true),
        new Case("an exact path does not take a prefix", "match: [{ path: { exact: /a } }]", "match: [{ path: { prefix: /a } }]", false),
        new Case("a regex takes an exact path it matches", "match: [{ path: { regex: '/a/[0-9]+' } }]",
            "match: [{ path: { exact: /a/42 } }]", true),
        new Case("a regex does not take one it does not match", "match: [{ path: { regex: '/a/[0-9]+' } }]",
            "match: [{ path: { exact: /a/b } }]", false),
        new Case("a prefix takes a regex with that literal prefix", "match: [{ path: { prefix: /a } }]",
            "match: [{ path: { regex: '/a/.*' } }]", true),
        new Case("a prefix does not take a regex that may not start with it", "match: [{ path: { prefix: /a } }]",
            "match: [{ path: { regex: '/a/.*|/b' } }]", false),
        new Case("other host patterns are other buckets", "hosts: ['*']", "hosts: [shop.example.com]", false),
        new Case("a catch-all after an exact host is reachable", "hosts: [shop.example.com]", "hosts: ['*']", false),
        new Case("host case does not matter", "hosts: [Shop.Example.com]", "hosts: [shop.example.com]", true),
        new Case("every host of the later route must be taken", "hosts: [a.example.com]", "hosts: [a.example.com, b.example.com]", false),
        new Case("earlier methods the later route does not have", "match: [{ path: { prefix: / }, methods: [GET] }]",
            "match: [{ path: { exact: /greet } }]", false),
        new Case("earlier methods that include the later ones", "match: [{ path: { prefix: / }, methods: [GET, HEAD] }]",
            "match: [{ path: { exact: /greet }, methods: [GET] }]", true),
        new Case("an earlier header the later route does not require", "match: [{ path: { prefix: / }, headers: { x-canary: { exact: '1' } } }]",
            "match: [{ path: { exact: /greet } }]", false),
        new Case("an earlier header present, the later one exact", "match: [{ path: { prefix: / }, headers: { x-canary: { present: true } } }]",
            "match: [{ path: { prefix: / }, headers: { x-canary: { exact: '1' } } }]", true),
        new Case("an earlier header prefix, the later exact", "match: [{ headers: { x-v: { prefix: ab } } }]",
            "match: [{ headers: { x-v: { exact: abc } } }]", true),
        new Case("a different header value", "match: [{ headers: { x-v: { exact: a } } }]",
            "match: [{ headers: { x-v: { exact: b } } }]", false),
        new Case("an earlier query parameter", "match: [{ path: { prefix: / }, query: { debug: { exact: '1' } } }]",
            "match: [{ path: { prefix: / } }]", false),
        new Case("later conditions only narrow it further", "match: [{ path: { prefix: / } }]",
            "match: [{ path: { prefix: /x }, methods: [POST], headers: { a: { present: true } }, query: { q: { exact: '1' } } }]", true),
        new Case("each later entry taken by some earlier entry",
            "match: [{ path: { prefix: /a } }, { path: { prefix: /b } }]",
            "match: [{ path: { exact: /a/1 } }, { path: { exact: /b/1 } }]", true),
        new Case("an earlier route on another listener", "listeners: [a]", "listeners: [b]", false),
        new Case("an earlier route on fewer listeners", "listeners: [a]", "", false),
        new Case("an earlier route on every listener", "", "listeners: [b]", true),
        new Case("an earlier route on the same listeners", "listeners: [a, b]", "listeners: [b]", true),
        new Case("one later entry left over", "match: [{ path: { prefix: /a } }]",
            "match: [{ path: { exact: /a/1 } }, { path: { exact: /b/1 } }]", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void warnsExactlyWhenEarlierRoutesTakeEveryRequest(Case c) {
    String yaml = "listeners: [{ name: a, port: 0, protocol: HTTP }, { name: b, port: 0, protocol: HTTP }]\n"
        + "routes:\n  - " + route("first", c.first()) + "\n  - " + route("second", c.second()) + "\n";
    List<ConfigError> warnings = warnings(yaml);
    assertEquals(c.shadowed() ? 1 : 0, warnings.size(), warnings.toString());
  }

  @Test
  void theWarningNamesBothRoutesWithFileAndLine() {
    List<ConfigError> warnings = warnings("""
        routes:
          - name: demo
            match: [{ path: { prefix: / } }]
            directResponse: { status: 200 }
          - name: other
            hosts: [other.example.com]
            directResponse: { status: 200 }
          - name: greet
            match: [{ path: { exact: /greet } }]
            directResponse: { status: 200, body: hello }
        """);
    assertEquals(1, warnings.size(), warnings.toString());
    assertEquals("gw.yaml:8: warning: route \"greet\" would never be used: every request it matches is taken first by"
        + " route \"demo\" (gw.yaml:2) (first match wins; move \"greet\" above, or narrow the earlier match)",
        warnings.get(0).toString());
  }

  @Test
  void severalEarlierRoutesTogether() {
    List<ConfigError> warnings = warnings("""
        routes:
          - { name: gets, match: [{ path: { prefix: / }, methods: [GET] }], directResponse: { status: 200 } }
          - { name: posts, match: [{ path: { prefix: / }, methods: [POST] }], directResponse: { status: 200 } }
          - { name: both, match: [{ path: { prefix: /x }, methods: [GET] }, { path: { prefix: /x }, methods: [POST] }], directResponse: { status: 200 } }
        """);
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).message().contains("route \"gets\" (gw.yaml:2) and route \"posts\" (gw.yaml:3)"),
        warnings.get(0).message());
  }

  private static String route(String name, String fields) {
    return "{ name: " + name + ", directResponse: { status: 200 }" + (fields.isEmpty() ? "" : ", " + fields) + " }";
  }

  private static List<ConfigError> warnings(String yaml) {
    LoadResult result = ConfigLoader.load(List.of(new ConfigFile("gw.yaml", yaml, Path.of("."))));
    return assertInstanceOf(LoadResult.Loaded.class, result, result.toString()).warnings();
  }
}
