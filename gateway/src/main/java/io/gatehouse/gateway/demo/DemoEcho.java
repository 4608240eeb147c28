package io.gatehouse.gateway.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The demo upstream that the embedded default config routes to: answers every request with a JSON
 * description of what it received (method, path, headers, body size), so a first {@code curl}
 * through the gateway shows a real proxied response and the headers the gateway added.
 */
public final class DemoEcho {
  private DemoEcho() {}

  /** Starts the echo server on 127.0.0.1:{@code port}. */
  public static Future<HttpServer> start(Vertx vertx, int port) {
    return vertx.createHttpServer()
        .requestHandler(request -> request.body().onComplete(body -> {
          JsonObject headers = new JsonObject();
          for (Map.Entry<String, String> h : request.headers()) {
            headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue());
          }
          JsonObject echo = new JsonObject()
              .put("service", "gatehouse demo echo")
              .put("method", request.method().name())
              .put("path", request.path())
              .put("query", request.query())
              .put("headers", headers)
              .put("bodyBytes", body.succeeded() ? body.result().length() : 0);
          request.response().putHeader("content-type", "application/json").end(echo.encodePrettily() + "\n");
        }))
        .listen(port, "127.0.0.1")
        .recover(e -> Future.failedFuture(new IllegalStateException("demo.echoPort: cannot listen on 127.0.0.1:" + port
            + " (" + e.getMessage() + "); free the port, or set demo.echoPort to another one (0 for any free port)", e)));
  }
}
