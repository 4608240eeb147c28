package io.gatehouse.routes.table;

import io.gatehouse.routes.ListenerEdge;
import io.gatehouse.routes.ListenerEdge.EscapedSlashes;
import io.gatehouse.routes.ListenerEdge.PathNormalization;
import java.util.ArrayList;
import java.util.List;

/**
 * A listener's path normalisation, as Envoy does it for Istio's {@code pathNormalization}: RFC 3986
 * §6.2.2 (percent-encoded unreserved characters decoded, the hex of the rest upper-cased), §5.2.4
 * (dot segments removed, {@code %2E} included), merged slashes, and Envoy's escaped-slash action
 * for {@code %2F} and {@code %5C}. A raw {@code \} and a dot segment with {@code ;} parameters
 * ({@code /..;/}, which Tomcat reads as {@code /../}) are refused, as is a malformed {@code %}.
 * Routes match, and upstreams receive, the result, so no backend that decodes before it routes
 * can be walked past a route (CVE-2021-31920).
 *
 * <p>Pure and thread-safe. An already-normal path costs one scan and no allocation, and comes back
 * as the same instance.
 */
public final class PathNormalizer {
  /** Paths as sent; kept for egress, which forwards to servers outside the mesh. */
  public static final PathNormalizer NONE = new PathNormalizer(PathNormalization.NONE, EscapedSlashes.KEEP_UNCHANGED);

  private final PathNormalization mode;
  private final EscapedSlashes slashes;
  private final boolean merge;

  private PathNormalizer(PathNormalization mode, EscapedSlashes slashes) {
    this.mode = mode;
    this.slashes = slashes;
    this.merge = mode == PathNormalization.MERGE_SLASHES || mode == PathNormalization.DECODE_AND_MERGE_SLASHES;
  }

  public static PathNormalizer of(PathNormalization mode, EscapedSlashes slashes) {
    return new PathNormalizer(mode, slashes);
  }

  public static PathNormalizer of(ListenerEdge edge) {
    return of(edge.pathNormalization(), edge.escapedSlashes());
  }

  /**
   * The normalised form of {@code path} (origin-form, without the query): the same instance when
   * it is normal already, or null when the request must be refused (see {@link #rejection}).
   * Never throws.
   */
  public String normalize(String path) {
    return run(path) instanceof String normal ? normal : null;
  }

  /** Why {@link #normalize} refuses {@code path}, for the error detail; empty when it does not. */
  public String rejection(String path) {
    return run(path) instanceof Refused refused ? refused.why() : "";
  }

  /**
   * Whether a request for {@code path} is answered with a redirect to its normalised path instead of
   * being forwarded (UNESCAPE_AND_REDIRECT, and the path had {@code %2F} or {@code %5C}).
   */
  public boolean redirects(String path) {
    return slashes == EscapedSlashes.UNESCAPE_AND_REDIRECT && path != null && escapedSlashAt(path, 0) >= 0;
  }

  private record Refused(String why) {}

  private Object run(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      return new Refused("the request target is not a path");
    }
    if (mode == PathNormalization.NONE) {
      return slashes == EscapedSlashes.KEEP_UNCHANGED || escapedSlashAt(path, 0) < 0 ? path : escapedSlashesOnly(path);
    }
    if (isNormal(path)) {
      return path;
    }
    Object decoded = decode(path);
    if (decoded instanceof Refused) {
      return decoded;
    }
    Object out = removeDotSegments((String) decoded);
    return path.equals(out) ? path : out;
  }

  /** One scan: nothing to decode, no backslash, no segment that starts with a dot, no empty segment to merge. */
  private boolean isNormal(String path) {
    int n = path.length();
    for (int i = 0; i < n; i++) {
      char c = path.charAt(i);
      if (c == '%' || c == '\\') {
        return false;
      }
      if (c == '/' && i + 1 < n) {
        char next = path.charAt(i + 1);
        if (next == '.' || (merge && next == '/')) {
          return false;
        }
      }
    }
    return true;
  }

  /** §6.2.2: unreserved {@code %XX} decoded, other hex upper-cased; the escaped-slash action; raw {@code \} refused. */
  private Object decode(String path) {
    int n = path.length();
    StringBuilder out = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      char c = path.charAt(i);
      if (c == '\\') {
        return new Refused("the path has a backslash");
      }
      if (c != '%') {
        out.append(c);
        continue;
      }
      int hi = i + 2 < n ? hex(path.charAt(i + 1)) : -1;
      int lo = hi >= 0 ? hex(path.charAt(i + 2)) : -1;
      if (lo < 0) {
        return new Refused("the path has a malformed percent-encoding");
      }
      int value = hi * 16 + lo;
      if (isUnreserved(value)) {
        out.append((char) value);
      } else if (value == '/' || value == '\\') {
        switch (slashes) {
          case REJECT_REQUEST -> {
            return new Refused("the path has an encoded slash or backslash (%2F, %5C)");
          }
          case KEEP_UNCHANGED -> out.append(value == '/' ? "%2F" : "%5C");
          default -> out.append('/');
        }
      } else {
        out.append('%').append(Character.toUpperCase(path.charAt(i + 1))).append(Character.toUpperCase(path.charAt(i + 2)));
      }
      i += 2;
    }
    return out.toString();
  }

  /** §5.2.4 over segments, merging empty ones when asked; a trailing slash stays. */
  private Object removeDotSegments(String path) {
    List<String> kept = new ArrayList<>();
    int n = path.length();
    boolean trailing = false;
    int start = 1;
    while (start <= n) {
      int end = path.indexOf('/', start);
      boolean last = end < 0;
      if (last) {
        end = n;
      }
      String segment = path.substring(start, end);
      start = end + 1;
      int semicolon = segment.indexOf(';');
      String bare = semicolon < 0 ? segment : segment.substring(0, semicolon);
      if (semicolon >= 0 && (bare.equals(".") || bare.equals(".."))) {
        return new Refused("the path has a dot segment with parameters (" + segment + ")");
      }
      if (segment.equals(".") || (segment.isEmpty() && last)) {
        trailing = last;
      } else if (segment.equals("..")) {
        if (!kept.isEmpty()) {
          kept.remove(kept.size() - 1);
        }
        trailing = last;
      } else if (!(segment.isEmpty() && merge)) {
        kept.add(segment);
      }
    }
    StringBuilder out = new StringBuilder(n);
    for (String segment : kept) {
      out.append('/').append(segment);
    }
    if (trailing || out.length() == 0) {
      out.append('/');
    }
    return out.toString();
  }

  /** NONE with an escaped-slash action other than KEEP_UNCHANGED: that action, and nothing else. */
  private Object escapedSlashesOnly(String path) {
    if (slashes == EscapedSlashes.REJECT_REQUEST) {
      return new Refused("the path has an encoded slash or backslash (%2F, %5C)");
    }
    StringBuilder out = new StringBuilder(path.length());
    int from = 0;
    for (int at = escapedSlashAt(path, 0); at >= 0; at = escapedSlashAt(path, from)) {
      out.append(path, from, at).append('/');
      from = at + 3;
    }
    return out.append(path, from, path.length()).toString();
  }

  /** Where the next {@code %2F} or {@code %5C} (any case) starts at or after {@code from}, or -1. */
  private static int escapedSlashAt(String path, int from) {
    for (int i = path.indexOf('%', from); i >= 0 && i + 2 < path.length(); i = path.indexOf('%', i + 1)) {
      char hi = path.charAt(i + 1);
      char lo = path.charAt(i + 2);
      if ((hi == '2' && (lo == 'f' || lo == 'F')) || (hi == '5' && (lo == 'c' || lo == 'C'))) {
        return i;
      }
    }
    return -1;
  }

  /** An ASCII hex digit's value, or -1 ({@link Character#digit} would accept other scripts' digits). */
  private static int hex(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  }

  /** RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
  private static boolean isUnreserved(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
  }
}
