package io.gatehouse.gateway.filter;

import io.gatehouse.gateway.proxy.Filter;
import io.gatehouse.gateway.proxy.Stage;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Rewrite;
import java.util.function.UnaryOperator;
import com.google.re2j.Pattern;

/**
 * Rewrites the path (prefix or regex) and the Host going upstream. The query string is kept.
 * Compiled once per route match: a prefix rewrite needs the prefix that this match entry matched.
 */
public final class RewriteFilter implements Filter {
  private final UnaryOperator<String> path;
  private final String host;

  private RewriteFilter(UnaryOperator<String> path, String host) {
    this.path = path;
    this.host = host;
  }

  /** The filter for {@code rewrite} on requests that {@code match} took. */
  public static RewriteFilter of(Rewrite rewrite, RequestMatch match) {
    return new RewriteFilter(pathRewrite(rewrite.path(), match.path()), rewrite.host().isEmpty() ? null : rewrite.host());
  }

  private static UnaryOperator<String> pathRewrite(Rewrite.PathRewrite rewrite, PathMatch match) {
    if (rewrite instanceof Rewrite.PathRewrite.Prefix prefix && match instanceof PathMatch.Prefix matched) {
      return p -> replacePrefix(p, matched.prefix(), prefix.replacement());
    }
    if (rewrite instanceof Rewrite.PathRewrite.Regex regex) {
      Pattern pattern = Pattern.compile(regex.pattern());
      String replacement = toJavaReplacement(regex.substitution());
      return p -> pattern.matcher(p).replaceAll(replacement);
    }
    return null;
  }

  /**
   * Replaces the matched prefix. A replacement ending in "/" followed by a rest starting with "/"
   * yields one slash, not two ({@code /api} → {@code /} turns {@code /api/x} into {@code /x}).
   */
  static String replacePrefix(String path, String prefix, String replacement) {
    String rest = path.substring(Math.min(prefix.length(), path.length()));
    String joined = replacement.endsWith("/") && rest.startsWith("/") ? replacement + rest.substring(1) : replacement + rest;
    return joined.isEmpty() ? "/" : joined.startsWith("/") ? joined : "/" + joined;
  }

  /** Config substitutions use {@code \1} for groups (Envoy, Istio); RE2/J's replaceAll uses {@code $1}. */
  static String toJavaReplacement(String substitution) {
    StringBuilder out = new StringBuilder(substitution.length() + 4);
    for (int i = 0; i < substitution.length(); i++) {
      char c = substitution.charAt(i);
      if (c == '\\' && i + 1 < substitution.length() && Character.isDigit(substitution.charAt(i + 1))) {
        out.append('$');
      } else if (c == '$' || c == '\\') {
        out.append('\\').append(c);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  @Override public Stage wrap(Stage next) {
    return ex -> {
      if (path != null) {
        String uri = ex.upstreamUri();
        int q = uri.indexOf('?');
        String p = q < 0 ? uri : uri.substring(0, q);
        String rewritten = path.apply(p);
        ex.upstreamUri(q < 0 ? rewritten : rewritten + uri.substring(q));
      }
      if (host != null) {
        ex.upstreamHost(host);
      }
      return next.handle(ex);
    };
  }

  /** True when the rewrite changes nothing, so no filter is needed. */
  public static boolean isNoop(Rewrite rewrite) {
    return rewrite.path() instanceof Rewrite.PathRewrite.Keep && rewrite.host().isEmpty();
  }
}
