package io.gatehouse.gateway.proxy;

/**
 * Path normalisation before routing, as Istio's default does for Envoy: a route's path match must
 * see the path the upstream will act on, or {@code /public/../admin} walks past a prefix rule.
 * Dot segments are removed (RFC 3986 section 5.2.4), including percent-encoded dots; the result is
 * what is matched and what goes upstream. Everything else is left as the client wrote it.
 */
final class RequestPaths {
  private RequestPaths() {}

  /** The normalised path, the same instance when nothing changes, or null when it is not an origin-form path. */
  static String normalise(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      return null;
    }
    if (!needsWork(path)) {
      return path;
    }
    String decoded = path.replace("%2e", ".").replace("%2E", ".");
    StringBuilder out = new StringBuilder(decoded.length());
    int i = 0;
    while (i < decoded.length()) {
      int next = decoded.indexOf('/', i + 1);
      int end = next < 0 ? decoded.length() : next;
      String segment = decoded.substring(i + 1, end); // without its leading '/'
      boolean last = next < 0;
      if (segment.equals(".")) {
        if (last) {
          out.append('/');
        }
      } else if (segment.equals("..")) {
        int cut = out.lastIndexOf("/");
        out.setLength(Math.max(cut, 0));
        if (last) {
          out.append('/');
        }
      } else {
        out.append('/').append(segment);
      }
      i = end;
    }
    return out.length() == 0 ? "/" : out.toString();
  }

  private static boolean needsWork(String path) {
    return path.contains("/.") || path.contains("%2e") || path.contains("%2E");
  }
}
