package io.gatehouse.routes.table;

import java.util.Locale;

/** Host header normalisation for lookup: lowercase, no port, no trailing dot. */
public final class Hosts {
  private Hosts() {}

  /** {@code Shop.Example.COM:8080} becomes {@code shop.example.com}; {@code [::1]:80} becomes {@code [::1]}; null stays null. */
  public static String normalise(String host) {
    if (host == null) {
      return null;
    }
    int end = end(host);
    String cut = end == host.length() ? host : host.substring(0, end);
    for (int i = 0; i < end; i++) {
      char c = cut.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return cut.toLowerCase(Locale.ROOT);
      }
    }
    return cut;
  }

  /**
   * Where the name in a Host header ends: before {@code :port} ({@code [v6]:port} keeps its
   * brackets; a bare IPv6 literal, with several colons, has no port) and before a trailing dot.
   */
  static int end(String host) {
    int end = host.length();
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      end = close < 0 ? end : close + 1;
    } else {
      int colon = host.indexOf(':');
      if (colon >= 0 && host.indexOf(':', colon + 1) < 0) {
        end = colon;
      }
    }
    if (end > 1 && host.charAt(end - 1) == '.') {
      end--;
    }
    return end;
  }
}
