package io.gatehouse.routes.table;

/** Host header normalisation for lookup: lowercase, no port, no trailing dot. Allocates only when it must change the text. */
public final class Hosts {
  private Hosts() {}

  /** {@code Shop.Example.COM:8080} becomes {@code shop.example.com}; {@code [::1]:80} becomes {@code [::1]}; null stays null. */
  public static String normalise(String host) {
    if (host == null) {
      return null;
    }
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
    boolean lower = true;
    for (int i = 0; i < end; i++) {
      char c = host.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        lower = false;
        break;
      }
    }
    String cut = end == host.length() ? host : host.substring(0, end);
    return lower ? cut : cut.toLowerCase(java.util.Locale.ROOT);
  }
}
