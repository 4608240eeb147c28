package io.gatehouse.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RequestPathsTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "/a/b/../c, /a/c",
      "/a/./b, /a/b",
      "/../../etc/passwd, /etc/passwd",
      "/a/%2e%2e/b, /b",
      "/a/%2E/b, /a/b",
      "/a/.., /",
      "/a/b/., /a/b/",
      "/a/b/.., /a/",
      "/.hidden/x, /.hidden/x",
      "/a..b/c, /a..b/c",
  })
  void removesDotSegments(String raw, String expected) {
    assertEquals(expected, RequestPaths.normalise(raw));
  }

  @Test
  void aCleanPathIsNotCopied() {
    String path = "/api/v1/items";
    assertSame(path, RequestPaths.normalise(path));
  }

  @Test
  void aTargetThatIsNotAPathIsRejected() {
    assertNull(RequestPaths.normalise("*"));
    assertNull(RequestPaths.normalise(""));
    assertNull(RequestPaths.normalise("a/b"));
  }
}
