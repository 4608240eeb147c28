package io.gatehouse.gateway;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real upstream on 127.0.0.1, port 0, that records every request it got. By default it answers
 * 200 with a JSON echo; tests install their own behaviour per path with {@link #on}.
 */
final class EchoUpstream implements AutoCloseable {
  /** What the upstream received. */
  record Received(String method, String uri, MultiMap headers, Buffer body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  private final Vertx vertx;
  private final String name;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Map<String, Handler<HttpServerRequest>> handlers = new ConcurrentHashMap<>();
  private HttpServer server;
  private int port;

  private EchoUpstream(Vertx vertx, String name) {
    this.vertx = vertx;
    this.name = name;
  }

  static EchoUpstream start(Vertx vertx) {
    return start(vertx, "echo");
  }

  /** Starts an upstream whose echo says {@code name}, so tests can tell upstreams apart. */
  static EchoUpstream start(Vertx vertx, String name) {
    EchoUpstream upstream = new EchoUpstream(vertx, name);
    upstream.listen(0);
    upstream.port = upstream.server.actualPort();
    return upstream;
  }

  private void listen(int port) {
    server = Await.result(vertx.createHttpServer()
        .requestHandler(this::handle)
        .invalidRequestHandler(request -> {
          // Recorded too: a request the gateway mangled must show up as received, not vanish.
          received.add(new Received("INVALID", request.uri(), MultiMap.caseInsensitiveMultiMap().addAll(request.headers()),
              Buffer.buffer()));
          HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(request);
        })
        .webSocketHandshakeHandler(h -> h.accept())
        .webSocketHandler(ws -> ws.textMessageHandler(ws::writeTextMessage).binaryMessageHandler(ws::writeBinaryMessage))
        .listen(port, "127.0.0.1"));
  }

  /** Kills the upstream: closes the listening socket and every connection, as a crashed process would. */
  void kill() {
    close();
  }

  /** Listens again on the port it had, as a restarted process would (loopback ports are not reused that soon in practice). */
  void revive() {
    listen(port);
  }

  /** Replaces the default echo for requests whose path starts with {@code pathPrefix}. Handlers see the body unread. */
  EchoUpstream on(String pathPrefix, Handler<HttpServerRequest> handler) {
    handlers.put(pathPrefix, handler);
    return this;
  }

  private void handle(HttpServerRequest request) {
    for (Map.Entry<String, Handler<HttpServerRequest>> e : handlers.entrySet()) {
      if (request.path().startsWith(e.getKey())) {
        received.add(new Received(request.method().name(), request.uri(), MultiMap.caseInsensitiveMultiMap()
            .addAll(request.headers()), Buffer.buffer()));
        e.getValue().handle(request);
        return;
      }
    }
    request.body().onSuccess(body -> {
      received.add(new Received(request.method().name(), request.uri(),
          MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body));
      JsonObject echo = new JsonObject().put("upstream", name).put("method", request.method().name())
          .put("uri", request.uri()).put("bodyBytes", body.length());
      request.response().putHeader("content-type", "application/json").putHeader("x-upstream", name).end(echo.encode());
    });
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  int port() {
    return port;
  }

  List<Received> requests() {
    return received;
  }

  Received lastRequest() {
    if (received.isEmpty()) {
      throw new AssertionError("upstream " + name + " received no request");
    }
    return received.get(received.size() - 1);
  }

  @Override public void close() {
    server.close().toCompletionStage().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
  }
}
