package io.gatehouse.routes.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gatehouse.routes.ListenerEdge.EscapedSlashes;
import io.gatehouse.routes.ListenerEdge.PathNormalization;

/**
 * Invariants of every normalisation for any input (CVE-2021-31920 class): it never throws, it is
 * idempotent, and what it lets through has no dot segment, no raw backslash and, when merging, no
 * {@code //}. {@code mvn verify} replays the seed corpus (PathNormalizerFuzzTestInputs); run with
 * {@code JAZZER_FUZZ=1} to fuzz.
 */
class PathNormalizerFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void normalisedPathsAreStableAndHaveNoTraversal(FuzzedDataProvider data) {
    PathNormalization mode = data.pickValue(PathNormalization.values());
    EscapedSlashes slashes = data.pickValue(EscapedSlashes.values());
    String path = data.consumeRemainingAsString();
    PathNormalizer normalizer = PathNormalizer.of(mode, slashes);
    String normal = normalizer.normalize(path);
    if (normal == null) {
      assertFalse(normalizer.rejection(path).isEmpty());
      return;
    }
    assertTrue(normal.startsWith("/"), normal);
    assertEquals(normal, normalizer.normalize(normal), "idempotent");
    if (mode == PathNormalization.NONE) {
      return;
    }
    String segments = normal + "/";
    assertFalse(segments.contains("/../") || segments.contains("/./"), "dot segment in " + normal);
    assertFalse(normal.indexOf('\\') >= 0, "backslash in " + normal);
    if (mode != PathNormalization.BASE) {
      assertFalse(normal.contains("//"), "empty segment in " + normal);
    }
    if (slashes != EscapedSlashes.KEEP_UNCHANGED) {
      String upper = normal.toUpperCase(java.util.Locale.ROOT);
      assertFalse(upper.contains("%2F") || upper.contains("%5C"), "escaped slash in " + normal);
    }
  }
}
