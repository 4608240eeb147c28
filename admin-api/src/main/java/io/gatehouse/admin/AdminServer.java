package io.gatehouse.admin;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Objects;

/**
 * The admin listener: health probes and metrics for now. It binds where the config says, which
 * the loader only lets be a non-loopback address when a token file is set.
 */
public final class AdminServer {
  private final Vertx vertx;
  private final RuntimeView runtime;
  private HttpServer server;

  public AdminServer(Vertx vertx, RuntimeView runtime) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.runtime = Objects.requireNonNull(runtime, "runtime");
  }

  /** Binds to {@code address:port} (port 0 picks a free one; see {@link #port()}). */
  public Future<AdminServer> start(String address, int port) {
    Router router = Router.router(vertx);
    router.get("/healthz").handler(ctx -> text(ctx, 200, "ok\n"));
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(runtime.scrapeMetrics()));
    return vertx.createHttpServer(new HttpServerOptions().setHost(address).setPort(port))
        .requestHandler(router)
        .listen()
        .map(s -> {
          server = s;
          return this;
        });
  }

  private void ready(RoutingContext ctx) {
    if (runtime.ready()) {
      text(ctx, 200, "ready\n");
    } else {
      text(ctx, 503, "not ready\n");
    }
  }

  private static void text(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8").end(body);
  }

  /** The bound port. */
  public int port() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
