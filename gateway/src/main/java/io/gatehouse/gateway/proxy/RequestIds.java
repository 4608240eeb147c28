package io.gatehouse.gateway.proxy;

import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code x-request-id}: the client's when it is a sane token (at most 128 characters of letters,
 * digits and {@code -_.:}), so traces join up across hops; otherwise a new random 128-bit hex id.
 * ThreadLocalRandom rather than UUID.randomUUID, which takes a lock on SecureRandom per call.
 */
final class RequestIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestIds() {}

  static String from(String incoming) {
    return incoming != null && isSane(incoming) ? incoming : generate();
  }

  static String generate() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] id = new char[32];
    write(random.nextLong(), id, 0);
    write(random.nextLong(), id, 16);
    return new String(id);
  }

  private static void write(long value, char[] out, int offset) {
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
