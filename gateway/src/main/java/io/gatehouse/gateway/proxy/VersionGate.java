package io.gatehouse.gateway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.http1.Http1ServerConnection;
import io.vertx.core.http.impl.http1.Http1ServerRequest;

/**
 * Answers an HTTP/1.x request line with a version other than 1.0 and 1.1 through the gateway's
 * own error (505, RFC 9110 §15.6.6), where Vert.x would send a bare 501. Vert.x wraps the
 * listener's request handler per connection with that check, and offers no option for it, so the
 * gate replaces the wrapper when the connection is handed over (the gateway has no WebSocket
 * handler, the wrapper's only other duty).
 */
final class VersionGate {
  private VersionGate() {}

  static void install(Http1ServerConnection connection, Handler<HttpServerRequest> handler, Ingress ingress) {
    connection.handler(request -> {
      if (request.version() != null) {
        handler.handle(request);
      } else {
        String protocol = request instanceof Http1ServerRequest r ? r.nettyRequest().protocolVersion().protocolName() : "";
        ingress.unsupportedVersion(request, protocol);
      }
    });
  }
}
