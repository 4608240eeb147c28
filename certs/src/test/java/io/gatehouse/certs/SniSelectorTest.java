package io.gatehouse.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SniSelectorTest {
  // Entries are named by what they serve; "default" is the first, as in config.
  private static final Map<String, List<String>> HOSTS = Map.of(
      "default", List.of("default.test"),
      "shop", List.of("shop.example.com"),
      "wild", List.of("*.example.com"),
      "deep", List.of("*.b.example.com"));
  private final SniSelector<String> selector =
      new SniSelector<>(List.of("default", "shop", "wild", "deep"), HOSTS::get, "default");

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "shop.example.com, shop",      // exact beats wildcard
      "SHOP.Example.COM, shop",      // case-insensitive
      "shop.example.com., shop",     // trailing dot ignored
      "a.example.com, wild",         // wildcard covers one label
      "a.b.example.com, deep",       // ... the most specific one-label wildcard
      "x.a.b.example.com, default",  // never two labels
      "example.com, default",        // nor the bare domain
      ".example.com, default",       // an empty label is no label
      "default.test, default",
      "unknown.test, default",
      "'', default"})
  void selectsExactThenOneLabelWildcardThenDefault(String serverName, String expected) {
    assertEquals(expected, selector.select(serverName));
  }

  @ParameterizedTest
  @CsvSource({"a.example.com, first", "shop.example.com, first"})
  void firstDeclaredEntryWinsForTheSameHost(String serverName, String expected) {
    Map<String, List<String>> hosts = Map.of(
        "fallback", List.of(),
        "first", List.of("*.example.com", "shop.example.com"),
        "second", List.of("*.example.com", "shop.example.com"));
    SniSelector<String> duplicated =
        new SniSelector<>(List.of("fallback", "first", "second"), hosts::get, "fallback");
    assertEquals(expected, duplicated.select(serverName));
  }
}
