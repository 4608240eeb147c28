package io.gatehouse.routes.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import com.google.re2j.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The literal prefix a route regex is pre-checked with must never turn away a path the regex matches. */
class RegexPrefixTest {
  @ParameterizedTest(name = "{0} -> [{1}]")
  @CsvSource(delimiter = ' ', nullValues = "NONE", value = {
      "/svc3/[0-9]+/items /svc3/",
      "^/x/.* /x/",
      "/exact /exact",
      "/ab*c /a",
      "/ab?c /a",
      "/ab+c /a",
      "/ab{2}c /a",
      "/a$ /a",
      "/a.c /a",
      "/api/(v1|v2)/x /api/",
      "/a|/b ''",
      "/a/b|/c ''",
      "(?i)/api ''",
      "[/]api ''",
      "\\Q/a\\E ''",
      "/x\\Q(\\E|/y ''",
      "/x[|]y /x",
      "/x\\|y /x",
      ".* ''",
  })
  void prefixIsTheLiteralTextBeforeTheFirstMetacharacter(String regex, String prefix) {
    assertEquals(prefix, Candidate.literalPrefix(regex));
  }

  @Test
  void prefixNeverRejectsAPathTheRegexMatches() {
    List<String> patterns = List.of("/a(b|c)*d", "/ab*", "/ab?c", "^/v[0-9]+/x", "/a|/b", "/(a|b)c", "/ab{0,2}c",
        "/a\\.b", "/a.b", "/a[bc]+", "/x\\Q|\\E/y|/z", "/(?i)ab", "/ab(?i)c", "/a+b", "/ab*?c");
    String alphabet = "/abcdxyzv0129.|ABC";
    Random random = new Random(7);
    int matched = 0;
    for (String regex : patterns) {
      Pattern pattern = Pattern.compile(regex);
      String prefix = Candidate.literalPrefix(regex);
      for (int i = 0; i < 20_000; i++) {
        StringBuilder path = new StringBuilder();
        int length = random.nextInt(7);
        for (int j = 0; j < length; j++) {
          path.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        // Half the paths start with "/a" so that the patterns match some of them.
        String p = (i % 2 == 0 ? "/a" : "") + path;
        if (pattern.matcher(p).matches()) {
          matched++;
          assertTrue(p.startsWith(prefix), regex + " matches " + p + " but the prefix is " + prefix);
        }
      }
    }
    assertTrue(matched > 1_000, "too few matching paths to show anything: " + matched);
  }
}
