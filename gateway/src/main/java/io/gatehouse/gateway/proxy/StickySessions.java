package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.upstream.SessionCookies;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.gatehouse.routes.StickySession;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpHeaders;
import java.util.Optional;

/**
 * A route's sticky session at request time, like Envoy's stateful session filter: a request whose
 * cookie opens (sealed by this gateway's key, not expired) goes to the upstream and endpoint it
 * names while that endpoint is alive and healthy; otherwise the weighted pick and the balancer
 * (or hash) choose, and the response sets a fresh cookie naming the endpoint that answered. A
 * forged, altered or expired cookie is ignored. Built once per snapshot.
 */
final class StickySessions {
  private final StickySession config;
  private final SessionCookies cookies;
  private final CookieSameSite sameSite;

  StickySessions(StickySession config, SessionCookies cookies) {
    this.config = config;
    this.cookies = cookies;
    this.sameSite = switch (config.sameSite()) {
      case LAX -> CookieSameSite.LAX;
      case STRICT -> CookieSameSite.STRICT;
      case NONE -> CookieSameSite.NONE;
      case UNSET -> null;
    };
  }

  /** The upstream for {@code ex}: the cookie's, when it is one of {@code backends}, else a weighted pick. */
  UpstreamClient choose(Exchange ex, Backends backends) {
    Cookie cookie = ex.request().getCookie(config.cookie());
    long now = System.currentTimeMillis() / 1000;
    Optional<SessionCookies.Pin> pin = cookie == null ? Optional.empty() : cookies.open(config.cookie(), cookie.getValue(), now);
    UpstreamClient pinned = pin.map(p -> backends.named(p.upstream())).orElse(null);
    UpstreamClient upstream = pinned != null ? pinned : backends.pick();
    String pinnedEndpoint = pinned != null ? pin.get().endpoint() : "";
    ex.pinnedEndpoint(pinnedEndpoint);
    ex.beforeResponse(headers -> {
      String chosen = ex.endpoint();
      if (!chosen.isEmpty() && !chosen.equals(pinnedEndpoint)) {
        headers.add(HttpHeaders.SET_COOKIE, setCookie(upstream.name(), chosen, now));
      }
    });
    return upstream;
  }

  private String setCookie(String upstream, String endpoint, long nowEpochSeconds) {
    long ttl = config.ttl().toSeconds();
    String value = cookies.seal(config.cookie(), new SessionCookies.Pin(upstream, endpoint), ttl > 0 ? nowEpochSeconds + ttl : 0);
    Cookie cookie = Cookie.cookie(config.cookie(), value).setPath(config.path()).setHttpOnly(config.httpOnly())
        .setSecure(config.secure());
    if (sameSite != null) {
      cookie.setSameSite(sameSite);
    }
    if (ttl > 0) {
      cookie.setMaxAge(ttl);
    }
    return cookie.encode();
  }
}
