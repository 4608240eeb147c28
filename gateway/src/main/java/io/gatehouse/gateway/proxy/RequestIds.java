package io.gatehouse.gateway.proxy;

import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code x-request-id}: the client's when it is a sane token (at most 128 characters of letters,
 * digits and {@code -_.:}), so traces join up across hops; otherwise a new random 128-bit hex id.
 * ThreadLocalRandom rather than UUID.randomUUID, which takes a lock on SecureRandom per call.
 */
final class RequestIds {
  /** The header's name, hashed once. */
  static final AsciiString HEADER = AsciiString.cached("x-request-id");
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private RequestIds() {}

  static String from(String incoming) {
    return incoming != null && isSane(incoming) ? incoming : generate();
  }

  static String generate() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    byte[] id = new byte[32];
    write(random.nextLong(), id, 0);
    write(random.nextLong(), id, 16);
    return new String(id, StandardCharsets.ISO_8859_1);
  }

  private static void write(long value, byte[] out, int offset) {
    for (int i = 15; i >= 0; i--) {
      out[offset + i] = HEX[(int) (value & 0xf)];
      value >>>= 4;
    }
  }

  static boolean isSane(String id) {
    int n = id.length();
    if (n == 0 || n > 128) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.' || c == ':';
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
