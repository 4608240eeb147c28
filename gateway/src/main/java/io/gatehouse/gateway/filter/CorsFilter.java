package io.gatehouse.gateway.filter;

import io.gatehouse.gateway.proxy.Filter;
import io.gatehouse.gateway.proxy.Stage;
import io.gatehouse.routes.Cors;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Locale;

/**
 * CORS for a route (Envoy's cors filter): preflights ({@code OPTIONS} with
 * {@code Access-Control-Request-Method}) are answered here with 204, never forwarded; other
 * requests from an allowed origin get the allow headers on their response. Requests from other
 * origins get no CORS headers, so the browser blocks them.
 */
final class CorsFilter implements Filter {
  private final Cors cors;
  private final boolean anyOrigin;
  private final String methods;
  private final String allowHeaders;
  private final String exposeHeaders;
  private final String maxAge;

  /** What gRPC-web clients send (grpc-web's own list, as Envoy's gRPC-web CORS example allows them). */
  static final List<String> GRPC_WEB_REQUEST_HEADERS = List.of("content-type", "x-grpc-web", "x-user-agent", "grpc-timeout");
  /** What they read from the head of a trailers-only or failed call. */
  static final List<String> GRPC_WEB_RESPONSE_HEADERS = List.of("grpc-status", "grpc-message");

  /** {@code cors} that also allows and exposes the gRPC-web headers. */
  static Cors withGrpcWeb(Cors cors) {
    return new Cors(cors.allowOrigins(), cors.allowMethods(), union(cors.allowHeaders(), GRPC_WEB_REQUEST_HEADERS),
        union(cors.exposeHeaders(), GRPC_WEB_RESPONSE_HEADERS), cors.maxAge(), cors.allowCredentials());
  }

  private static List<String> union(List<String> configured, List<String> added) {
    java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(configured);
    all.addAll(added);
    return List.copyOf(all);
  }

  CorsFilter(Cors cors) {
    this.cors = cors;
    this.anyOrigin = cors.allowOrigins().contains("*");
    this.methods = String.join(", ", cors.allowMethods());
    this.allowHeaders = String.join(", ", cors.allowHeaders());
    this.exposeHeaders = String.join(", ", cors.exposeHeaders());
    this.maxAge = cors.maxAge().isZero() ? null : Long.toString(cors.maxAge().toSeconds());
  }

  @Override public Stage wrap(Stage next) {
    return ex -> {
      String origin = ex.request().getHeader("origin");
      if (origin == null) {
        return next.handle(ex);
      }
      boolean allowed = allows(origin);
      if (ex.request().method() == HttpMethod.OPTIONS && ex.request().getHeader("access-control-request-method") != null) {
        HttpServerResponse response = ex.response().setStatusCode(204);
        MultiMap headers = response.headers();
        headers.set("x-request-id", ex.requestId());
        headers.add("vary", "Origin");
        if (allowed) {
          allow(headers, origin);
          headers.set("access-control-allow-methods", methods);
          if (!allowHeaders.isEmpty()) {
            headers.set("access-control-allow-headers", allowHeaders);
          }
          if (maxAge != null) {
            headers.set("access-control-max-age", maxAge);
          }
        }
        ex.editResponseHead(headers);
        return response.end();
      }
      if (allowed) {
        ex.beforeResponse(headers -> {
          allow(headers, origin);
          if (!exposeHeaders.isEmpty()) {
            headers.set("access-control-expose-headers", exposeHeaders);
          }
          headers.add("vary", "Origin");
        });
      }
      return next.handle(ex);
    };
  }

  private void allow(MultiMap headers, String origin) {
    headers.set("access-control-allow-origin", anyOrigin && !cors.allowCredentials() ? "*" : origin);
    if (cors.allowCredentials()) {
      headers.set("access-control-allow-credentials", "true");
    }
  }

  boolean allows(String origin) {
    if (anyOrigin) {
      return true;
    }
    String lower = origin.toLowerCase(Locale.ROOT);
    List<String> origins = cors.allowOrigins();
    for (String allowed : origins) {
      if (allowed.equals(lower) || matchesWildcard(allowed, lower)) {
        return true;
      }
    }
    return false;
  }

  /** {@code https://*.example.com} takes {@code https://a.example.com}, not {@code https://example.com}. */
  private static boolean matchesWildcard(String pattern, String origin) {
    int star = pattern.indexOf("://*.");
    if (star < 0) {
      return false;
    }
    String scheme = pattern.substring(0, star + 3);
    String suffix = pattern.substring(star + 4);
    return origin.startsWith(scheme) && origin.endsWith(suffix) && origin.length() > scheme.length() + suffix.length();
  }
}
