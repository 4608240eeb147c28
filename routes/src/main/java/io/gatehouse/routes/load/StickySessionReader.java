package io.gatehouse.routes.load;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.StickySession;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a route's {@code stickySession: { cookie, ttl, path, httpOnly, secure, sameSite }};
 * absent is {@link StickySession#NONE}. The cookie name must be an RFC 6265 token and the route
 * must forward (a redirect or direct response has no endpoint to pin).
 */
final class StickySessionReader {
  private static final Set<String> KEYS = Set.of("cookie", "ttl", "path", "httpOnly", "secure", "sameSite");
  /** RFC 6265 cookie-name: an RFC 7230 token. */
  static final Pattern COOKIE_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern COOKIE_PATH = Pattern.compile("/[\\x21-\\x3a\\x3c-\\x7e]*");

  private StickySessionReader() {}

  static StickySession read(Fields route, Action action, Problems problems) {
    return route.nested("stickySession", route.what() + " stickySession", KEYS).map(s -> {
      String cookie = s.required("cookie");
      if (!cookie.isEmpty() && !COOKIE_NAME.matcher(cookie).matches()) {
        problems.add(s.origin("cookie"), s.what() + ".cookie: " + Fields.quote(cookie)
            + " is not a cookie name (letters, digits and !#$%&'*+.^_`|~-)");
      }
      if (!(action instanceof Action.Forward)) {
        problems.add(s.origin(), s.what() + ": needs backends (a redirect or direct response has no endpoint to pin)");
      }
      String path = s.string("path", "/");
      if (!COOKIE_PATH.matcher(path).matches()) {
        problems.add(s.origin("path"), s.what() + ".path: " + Fields.quote(path) + " is not a cookie path (expected /...)");
      }
      String sameSite = s.string("sameSite", "Lax");
      StickySession.SameSite site = switch (sameSite.toLowerCase(Locale.ROOT)) {
        case "lax" -> StickySession.SameSite.LAX;
        case "strict" -> StickySession.SameSite.STRICT;
        case "none" -> StickySession.SameSite.NONE;
        case "" -> StickySession.SameSite.UNSET;
        default -> {
          problems.add(s.origin("sameSite"), s.what() + ".sameSite: " + Fields.quote(sameSite)
              + " (expected one of: Lax, Strict, None)");
          yield StickySession.SameSite.LAX;
        }
      };
      boolean secure = s.bool("secure", site == StickySession.SameSite.NONE);
      if (site == StickySession.SameSite.NONE && !secure) {
        problems.add(s.origin("secure"), s.what() + ": sameSite None needs secure: true (browsers refuse it otherwise)");
      }
      Duration ttl = s.duration("ttl", Duration.ZERO);
      return new StickySession(cookie, ttl, path, s.bool("httpOnly", true), secure, site);
    }).orElse(StickySession.NONE);
  }
}
