package io.gatehouse.admin;

import io.gatehouse.routes.Route;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The password of a Redis URL ({@code rateLimit.global.redis}), which the admin API never shows:
 * {@link #scrub} replaces it with {@value #PLACEHOLDER}, in the user info
 * ({@code redis://:***@host:6379}, {@code redis://user:***@host}; user info without a colon is a
 * password to the Redis client, so all of it) and in a {@code password} query parameter. A PUT
 * that sends a scrubbed URL back unchanged keeps the serving route's password ({@link #restore});
 * any other URL holding the placeholder is rejected by the loader, so the placeholder never
 * reaches Redis as a password.
 */
final class RedisSecret {
  static final String PLACEHOLDER = "***";

  private RedisSecret() {}

  /** {@code url} without its password; a URL that does not parse is replaced whole. */
  static String scrub(String url) {
    if (url.isEmpty()) {
      return url;
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return PLACEHOLDER;
    }
    String out = url;
    String userInfo = uri.getRawUserInfo();
    int start = url.indexOf("://");
    if (userInfo != null && start >= 0 && url.startsWith(userInfo + "@", start + 3)) {
      int colon = userInfo.indexOf(':');
      String shown = colon < 0 ? PLACEHOLDER : userInfo.substring(0, colon + 1) + PLACEHOLDER;
      out = url.substring(0, start + 3) + shown + url.substring(start + 3 + userInfo.length());
    } else if (userInfo != null) {
      return PLACEHOLDER;
    }
    int q = out.indexOf('?');
    if (q < 0) {
      return out;
    }
    int hash = out.indexOf('#', q);
    String query = hash < 0 ? out.substring(q + 1) : out.substring(q + 1, hash);
    List<String> params = new ArrayList<>();
    for (String p : query.split("&", -1)) {
      int eq = p.indexOf('=');
      String name = eq < 0 ? p : p.substring(0, eq);
      params.add(name.toLowerCase(Locale.ROOT).equals("password") ? name + "=" + PLACEHOLDER : p);
    }
    return out.substring(0, q + 1) + String.join("&", params) + (hash < 0 ? "" : out.substring(hash));
  }

  /**
   * The route document of a PUT, with a Redis URL that is exactly what GET showed of the serving
   * route {@code serving} (null when there is none) put back to the real one. Anything else is left
   * as sent.
   */
  static JsonObject restore(JsonObject route, Route serving) {
    if (serving == null || !serving.rateLimit().global().enabled()) {
      return route;
    }
    String real = serving.rateLimit().global().redis();
    String shown = scrub(real);
    Object rate = route.getValue("rateLimit");
    Object global = rate instanceof JsonObject r ? r.getValue("global") : null;
    if (shown.equals(real) || !(global instanceof JsonObject g) || !shown.equals(g.getValue("redis"))) {
      return route;
    }
    JsonObject copy = route.copy();
    copy.getJsonObject("rateLimit").getJsonObject("global").put("redis", real);
    return copy;
  }
}
