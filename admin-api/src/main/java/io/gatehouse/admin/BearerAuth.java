package io.gatehouse.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The admin API's bearer token, read from {@code admin.tokenFile}. Compared as SHA-256 digests
 * with {@link MessageDigest#isEqual}, so the time taken says nothing of the token, its length
 * included. The token itself is never logged or echoed.
 */
final class BearerAuth {
  private volatile byte[] digest;

  /** Reads the token file (blocking), or turns auth off when there is none. */
  void load(Optional<String> tokenFile) throws IOException {
    if (tokenFile.isEmpty()) {
      digest = null;
      return;
    }
    String token = Files.readString(Path.of(tokenFile.get()), StandardCharsets.UTF_8).strip();
    if (token.isEmpty()) {
      throw new IOException("admin.tokenFile " + tokenFile.get() + " is empty");
    }
    digest = sha256(token);
  }

  boolean enabled() {
    return digest != null;
  }

  /** Whether {@code authorization} is {@code Bearer <the token>}. */
  boolean accepts(String authorization) {
    byte[] expected = digest;
    if (expected == null) {
      return true;
    }
    if (authorization == null || authorization.length() < 7
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return MessageDigest.isEqual(expected, sha256(authorization.substring(7).strip()));
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
