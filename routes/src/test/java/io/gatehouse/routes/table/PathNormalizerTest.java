package io.gatehouse.routes.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.ListenerEdge;
import io.gatehouse.routes.ListenerEdge.EscapedSlashes;
import io.gatehouse.routes.ListenerEdge.PathNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What each path normalisation does, as Envoy and Istio define it (RFC 3986 §6.2.2, §5.2.4). "REFUSED" is a 400. */
class PathNormalizerTest {
  private static final String REFUSED = "REFUSED";

  @ParameterizedTest(name = "{0}/{1}: {2} -> {3}")
  @CsvSource(delimiter = '|', value = {
      // RFC 3986 §5.2.4: dot segments, also percent-encoded (§6.2.2 decodes %2E first)
      "BASE          | REJECT_REQUEST       | /a/b/../c             | /a/c",
      "BASE          | REJECT_REQUEST       | /a/./b                | /a/b",
      "BASE          | REJECT_REQUEST       | /../../etc/passwd     | /etc/passwd",
      "BASE          | REJECT_REQUEST       | /a/%2e%2e/b           | /b",
      "BASE          | REJECT_REQUEST       | /a/%2E/b              | /a/b",
      "BASE          | REJECT_REQUEST       | /a/..                 | /",
      "BASE          | REJECT_REQUEST       | /a/b/.                | /a/b/",
      "BASE          | REJECT_REQUEST       | /a/b/..               | /a/",
      "BASE          | REJECT_REQUEST       | /.hidden/x            | /.hidden/x",
      "BASE          | REJECT_REQUEST       | /a..b/c               | /a..b/c",
      "BASE          | REJECT_REQUEST       | /...                  | /...",
      // RFC 3986 §6.2.2.2: unreserved decoded, reserved kept with upper-case hex
      "BASE          | REJECT_REQUEST       | /%61dmin/x            | /admin/x",
      "BASE          | REJECT_REQUEST       | /a%7e%2d%5F%30        | /a~-_0",
      "BASE          | REJECT_REQUEST       | /a%3fb%20c%25         | /a%3Fb%20c%25",
      "BASE          | REJECT_REQUEST       | /a%252e%252e/x        | /a%252e%252e/x",
      "BASE          | REJECT_REQUEST       | /a%zz                 | REFUSED",
      "BASE          | REJECT_REQUEST       | /a%2                  | REFUSED",
      "BASE          | REJECT_REQUEST       | /a%                   | REFUSED",
      "BASE          | REJECT_REQUEST       | /a%\u0663\u0663       | REFUSED",
      // BASE keeps empty segments; the merging modes do not
      "BASE          | REJECT_REQUEST       | //admin/x             | //admin/x",
      "BASE          | REJECT_REQUEST       | /a//../b              | /a/b",
      "MERGE_SLASHES | REJECT_REQUEST       | //admin/x             | /admin/x",
      "MERGE_SLASHES | REJECT_REQUEST       | /a///b//              | /a/b/",
      "MERGE_SLASHES | REJECT_REQUEST       | //                    | /",
      "MERGE_SLASHES | REJECT_REQUEST       | /a//../b              | /b",
      // CVE-2021-31920: encoded slashes and backslashes
      "MERGE_SLASHES | REJECT_REQUEST       | /x/..%2fadmin/x       | REFUSED",
      "MERGE_SLASHES | REJECT_REQUEST       | /x/%2E%2E%2Fadmin/x   | REFUSED",
      "MERGE_SLASHES | REJECT_REQUEST       | /x%2f..%2fadmin/x     | REFUSED",
      "MERGE_SLASHES | REJECT_REQUEST       | /x/..%5cadmin         | REFUSED",
      "MERGE_SLASHES | KEEP_UNCHANGED       | /x/..%2fadmin/x       | /x/..%2Fadmin/x",
      "MERGE_SLASHES | KEEP_UNCHANGED       | /x/%2E%2E%5cadmin     | /x/..%5Cadmin",
      "MERGE_SLASHES | UNESCAPE_AND_FORWARD | /x/..%2fadmin/x       | /admin/x",
      "MERGE_SLASHES | UNESCAPE_AND_FORWARD | /x%2f..%2fadmin/x     | /admin/x",
      "MERGE_SLASHES | UNESCAPE_AND_FORWARD | /x/%2E%2E%5Cadmin/x   | /admin/x",
      "MERGE_SLASHES | UNESCAPE_AND_REDIRECT| /a%2F%2Fb             | /a/b",
      "DECODE_AND_MERGE_SLASHES | UNESCAPE_AND_FORWARD | /a%2f/b   | /a/b",
      // Raw backslash and ;-parameters on dot segments (Tomcat's /..;/): refused
      "MERGE_SLASHES | REJECT_REQUEST       | /x\\..\\admin\\x      | REFUSED",
      "BASE          | KEEP_UNCHANGED       | /x\\y                 | REFUSED",
      "MERGE_SLASHES | REJECT_REQUEST       | /x/..;/admin/x        | REFUSED",
      "MERGE_SLASHES | REJECT_REQUEST       | /x/.;a=b/admin        | REFUSED",
      "MERGE_SLASHES | REJECT_REQUEST       | /x/%2e%2E;/admin      | REFUSED",
      "MERGE_SLASHES | REJECT_REQUEST       | /x/..;                | REFUSED",
      "MERGE_SLASHES | REJECT_REQUEST       | /x/a;b=..;c/d         | /x/a;b=..;c/d",
      // NONE: as sent, except an explicit escaped-slash action
      "NONE          | KEEP_UNCHANGED       | //a/../%61%2f\\b      | //a/../%61%2f\\b",
      "NONE          | REJECT_REQUEST       | /a%2fb                | REFUSED",
      "NONE          | UNESCAPE_AND_FORWARD | /a%2fb/..%5C          | /a/b/../",
      // Not origin-form
      "MERGE_SLASHES | REJECT_REQUEST       | *                     | REFUSED",
      "MERGE_SLASHES | REJECT_REQUEST       | a/b                   | REFUSED",
      "NONE          | KEEP_UNCHANGED       | a/b                   | REFUSED",
  })
  void normalises(PathNormalization mode, EscapedSlashes slashes, String raw, String expected) {
    PathNormalizer normalizer = PathNormalizer.of(mode, slashes);
    String normal = normalizer.normalize(raw);
    if (expected.equals(REFUSED)) {
      assertNull(normal, raw);
      assertFalse(normalizer.rejection(raw).isEmpty(), "a refusal says why");
      return;
    }
    assertEquals(expected, normal);
    assertEquals("", normalizer.rejection(raw));
    assertEquals(normal, normalizer.normalize(normal), "idempotent");
  }

  @Test
  void anAlreadyNormalPathIsTheSameInstance() {
    PathNormalizer normalizer = PathNormalizer.of(ListenerEdge.DEFAULT);
    for (String path : new String[] {"/", "/api/v1/items", "/a.b/c..d/e.", "/a;b/c", "/x/"}) {
      assertSame(path, normalizer.normalize(path), path);
    }
    String decodedToItself = "/a%2B";
    assertSame(decodedToItself, normalizer.normalize(decodedToItself), "slow path, nothing changed");
  }

  @Test
  void onlyUnescapeAndRedirectRedirects() {
    assertTrue(PathNormalizer.of(PathNormalization.MERGE_SLASHES, EscapedSlashes.UNESCAPE_AND_REDIRECT).redirects("/a%2fb"));
    assertFalse(PathNormalizer.of(PathNormalization.MERGE_SLASHES, EscapedSlashes.UNESCAPE_AND_REDIRECT).redirects("/a/../b"));
    assertFalse(PathNormalizer.of(PathNormalization.MERGE_SLASHES, EscapedSlashes.UNESCAPE_AND_FORWARD).redirects("/a%2fb"));
  }

  @Test
  void theDefaultIsMergeSlashesAndRejectsEscapedSlashes() {
    assertEquals(PathNormalization.MERGE_SLASHES, ListenerEdge.DEFAULT.pathNormalization());
    assertEquals(EscapedSlashes.REJECT_REQUEST, ListenerEdge.DEFAULT.escapedSlashes());
    assertEquals(EscapedSlashes.UNESCAPE_AND_FORWARD, EscapedSlashes.defaultFor(PathNormalization.DECODE_AND_MERGE_SLASHES));
    assertEquals(EscapedSlashes.KEEP_UNCHANGED, EscapedSlashes.defaultFor(PathNormalization.NONE));
  }
}
