package io.gatehouse.gateway.proxy;

import io.gatehouse.routes.Action;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;

/** Answers with a redirect built from the route's parts and, for the parts it leaves empty, the request's. */
final class Redirector implements Stage {
  private final Action.Redirect redirect;

  Redirector(Action.Redirect redirect) {
    this.redirect = redirect;
  }

  @Override public Future<Void> handle(Exchange ex) {
    HttpServerRequest request = ex.request();
    String scheme = redirect.scheme().isEmpty() ? request.scheme() : redirect.scheme();
    HostAndPort authority = request.authority();
    String host = redirect.host().isEmpty() ? (authority == null ? "" : authority.host()) : redirect.host();
    StringBuilder location = new StringBuilder(64).append(scheme).append("://").append(host);
    int port = redirect.port();
    if (port == 0 && redirect.scheme().isEmpty() && redirect.host().isEmpty() && authority != null) {
      port = authority.port();
    }
    if (port > 0 && !isDefaultPort(scheme, port)) {
      location.append(':').append(port);
    }
    location.append(redirect.path().isEmpty() ? ex.path() : redirect.path());
    String query = request.query();
    if (query != null && !query.isEmpty()) {
      location.append('?').append(query);
    }
    ex.response().setStatusCode(redirect.status()).putHeader("location", location.toString());
    ex.editResponseHead(ex.response().headers());
    return ex.response().end();
  }

  private static boolean isDefaultPort(String scheme, int port) {
    return ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
  }
}
