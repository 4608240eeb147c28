package io.gatehouse.routes;

import java.time.Duration;

/**
 * A route's sticky session, as YAML {@code stickySession}: the gateway sets the cookie
 * {@code cookie} naming the endpoint it chose (encrypted and authenticated with the gateway's
 * session key), and a later request carrying a valid cookie goes to that endpoint while it is
 * alive and healthy, like Envoy's stateful session filter. {@code ttl} of zero makes a session
 * cookie that never expires on the gateway's side. {@link #NONE} when absent.
 */
public record StickySession(String cookie, Duration ttl, String path, boolean httpOnly, boolean secure,
                            SameSite sameSite) {
  public static final StickySession NONE = new StickySession("", Duration.ZERO, "/", true, false, SameSite.LAX);

  /** The cookie's {@code SameSite} attribute ({@code UNSET} leaves it out). */
  public enum SameSite { UNSET, LAX, STRICT, NONE }

  /** A cookie named {@code cookie} living {@code ttl}, with the default attributes: path /, HttpOnly, SameSite=Lax. */
  public static StickySession of(String cookie, Duration ttl) {
    return new StickySession(cookie, ttl, "/", true, false, SameSite.LAX);
  }

  public boolean enabled() {
    return !cookie.isEmpty();
  }
}
