package io.gatehouse.gateway.auth;

import io.gatehouse.routes.auth.JwtProvider;
import java.util.List;
import java.util.function.Function;

/**
 * Where a provider looks for its token, in order: its headers (after their prefix), query
 * parameters, then cookies. Pure string work on what the request offers, so it is fuzzed on its own.
 */
final class TokenLocation {
  /** A token found, and the header it came from ("" for a parameter or cookie), to remove it upstream. */
  record Found(String token, String header) {}

  private final List<JwtProvider.FromHeader> headers;
  private final List<String> params;
  private final List<String> cookies;

  TokenLocation(JwtProvider provider) {
    this.headers = provider.fromHeaders();
    this.params = provider.fromParams();
    this.cookies = provider.fromCookies();
  }

  /**
   * The first token present, or null. {@code header} answers a header by lowercase name,
   * {@code param} a query parameter; cookies are read from the {@code cookie} header.
   */
  Found find(Function<String, String> header, Function<String, String> param) {
    for (JwtProvider.FromHeader h : headers) {
      String value = header.apply(h.name());
      if (value == null) {
        continue;
      }
      String token = afterPrefix(value, h.prefix());
      if (token != null) {
        return new Found(token, h.name());
      }
    }
    for (String p : params) {
      String value = param.apply(p);
      if (value != null && !value.isEmpty()) {
        return new Found(value, "");
      }
    }
    if (!cookies.isEmpty()) {
      String cookieHeader = header.apply("cookie");
      if (cookieHeader != null) {
        for (String c : cookies) {
          String value = cookie(cookieHeader, c);
          if (value != null && !value.isEmpty()) {
            return new Found(value, "");
          }
        }
      }
    }
    return null;
  }

  /** The value after {@code prefix} (its scheme matched case-insensitively, as RFC 9110 says), trimmed; null if absent. */
  static String afterPrefix(String value, String prefix) {
    if (prefix.isEmpty()) {
      String token = value.trim();
      return token.isEmpty() ? null : token;
    }
    if (value.length() < prefix.length() || !value.regionMatches(true, 0, prefix, 0, prefix.length())) {
      return null;
    }
    String token = value.substring(prefix.length()).trim();
    return token.isEmpty() ? null : token;
  }

  /** The value of cookie {@code name} in a {@code Cookie} header ({@code a=1; b=2}), or null. */
  static String cookie(String header, String name) {
    int i = 0;
    int n = header.length();
    while (i < n) {
      int end = header.indexOf(';', i);
      if (end < 0) {
        end = n;
      }
      int eq = header.indexOf('=', i);
      if (eq > 0 && eq < end && header.substring(i, eq).trim().equals(name)) {
        String value = header.substring(eq + 1, end).trim();
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
      }
      i = end + 1;
    }
    return null;
  }
}
