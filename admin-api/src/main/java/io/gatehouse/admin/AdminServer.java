package io.gatehouse.admin;

import io.gatehouse.admin.store.ConfigStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The admin listener: probes, metrics, the config API ({@link ConfigApi}) and the runtime views.
 * It binds where the config says, which the loader only lets be a non-loopback address when a
 * token file is set; with a token every call but {@code /healthz} and {@code /ready} needs
 * {@code Authorization: Bearer <token>}. {@code /openapi.json} describes every route served.
 */
public final class AdminServer {
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(AdminServer.class.getName());
  /** The probes: open without a token, so that kubelets and load balancers can ask. */
  static final Set<String> OPEN = Set.of("/healthz", "/ready");
  /** Pushed objects and documents are small; 10k routes in one document fit in 16 MiB. */
  static final long BODY_LIMIT = 16L * 1024 * 1024;

  private final Vertx vertx;
  private final RuntimeView runtime;
  private final ConfigStore store;
  private final BearerAuth auth = new BearerAuth();
  private final ConfigApi config;
  private final Dashboard dashboard;
  private HttpServer server;

  /**
   * @param stateDir where pushed certificates are kept ({@code STATE/certs}, owner-only)
   * @param baseDir what relative paths in pushed objects resolve against
   */
  public AdminServer(Vertx vertx, RuntimeView runtime, ConfigStore store, Path stateDir, Path baseDir) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.store = Objects.requireNonNull(store, "store");
    this.config = new ConfigApi(store, new CertVault(stateDir), baseDir);
    this.dashboard = new Dashboard(runtime, store);
  }

  /**
   * Reads the bearer token file (blocking). Before the server starts, an empty value means no auth;
   * once it serves, a token can be replaced but not removed: the listener may be bound to a
   * non-loopback address that only the token protects, and its address changes only at restart.
   */
  public void token(Optional<String> tokenFile) throws IOException {
    if (server != null && tokenFile.isEmpty() && auth.enabled()) {
      LOG.warning("admin.tokenFile was removed from the config; the admin API keeps requiring the token until restart");
      return;
    }
    auth.load(tokenFile);
  }

  /** Binds to {@code address:port} (port 0 picks a free one; see {@link #port()}). */
  public Future<AdminServer> start(String address, int port) {
    return start(new HttpServerOptions().setHost(address).setPort(port));
  }

  /** Binds with {@code options}: host, port and, for mutual TLS, the server's SSL options. */
  public Future<AdminServer> start(HttpServerOptions options) {
    return vertx.createHttpServer(options)
        .requestHandler(router())
        .listen()
        .map(s -> {
          server = s;
          return this;
        });
  }

  Router router() {
    Router router = Router.router(vertx);
    router.route().handler(this::authorize);
    router.route().handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
    router.get("/healthz").handler(ctx -> text(ctx, 200, "ok\n"));
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(runtime.scrapeMetrics()));
    router.get("/openapi.json").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
        .end(openApi()));
    router.get("/clusters").handler(this::clusters);
    router.get("/stats").handler(this::stats);
    router.get("/sync").handler(ctx -> json(ctx, 200, Json.sync(store.statuses())));
    router.get("/mesh/identity").handler(this::meshIdentity);
    router.post("/drain").handler(this::drain);
    config.mount(router);
    dashboard.mount(router);
    router.errorHandler(404, ctx -> Problem.send(ctx, 404, "not_found",
        ctx.request().method() + " " + ctx.request().path() + " is not an admin API route (see /openapi.json)"));
    router.errorHandler(405, ctx -> Problem.send(ctx, 405, "method_not_allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    router.errorHandler(413, ctx -> Problem.send(ctx, 413, "body_too_large", "the body is over " + BODY_LIMIT + " bytes"));
    router.errorHandler(500, ctx -> Problem.send(ctx, 500, "internal_error",
        ctx.failure() == null ? "internal error" : ctx.failure().getClass().getSimpleName() + ": " + ctx.failure().getMessage()));
    return router;
  }

  private void authorize(RoutingContext ctx) {
    String path = ctx.request().path();
    if (OPEN.contains(path) || Dashboard.FILES.contains(path) || auth.accepts(ctx.request().getHeader("authorization"))) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("www-authenticate", "Bearer realm=\"gatehouse\"");
    Problem.send(ctx, 401, "unauthorized", "this call needs Authorization: Bearer <the token in admin.tokenFile>");
  }

  private void ready(RoutingContext ctx) {
    if (runtime.ready()) {
      text(ctx, 200, "ready\n");
    } else {
      text(ctx, 503, "not ready\n");
    }
  }

  /** The workload certificate's status: SPIFFE id, validity, renewals, the last CA error; never the key. */
  private void meshIdentity(RoutingContext ctx) {
    runtime.meshIdentity().ifPresentOrElse(s -> {
      JsonObject out = new JsonObject().put("spiffeId", s.spiffeId()).put("state", s.state())
          .put("serial", s.serial()).put("issuer", s.issuer()).put("generation", s.generation())
          .put("renewals", s.renewals()).put("failures", s.failures()).put("lastError", s.lastError());
      if (s.notBefore() != null) {
        out.put("notBefore", s.notBefore().toString()).put("notAfter", s.notAfter().toString());
      }
      if (s.nextAttempt() != null) {
        out.put("nextAttempt", s.nextAttempt().toString());
      }
      json(ctx, 200, out);
    }, () -> Problem.send(ctx, 404, "no_mesh_identity", "the config has no meshIdentity block"));
  }

  private void clusters(RoutingContext ctx) {
    JsonArray out = new JsonArray();
    for (ClusterView c : runtime.clusters()) {
      JsonArray endpoints = new JsonArray();
      c.endpoints().forEach(e -> endpoints.add(new JsonObject().put("address", e.address()).put("health", e.health())
          .put("activeRequests", e.activeRequests())));
      out.add(new JsonObject().put("name", c.name()).put("loadBalancer", c.loadBalancer()).put("endpoints", endpoints));
    }
    json(ctx, 200, new JsonObject().put("version", store.version()).put("clusters", out));
  }

  private void stats(RoutingContext ctx) {
    JsonObject meters = new JsonObject();
    new TreeMap<>(runtime.stats()).forEach(meters::put);
    json(ctx, 200, new JsonObject()
        .put("config", new JsonObject().put("version", store.version()).put("rejected", store.failures()))
        .put("ready", runtime.ready())
        .put("stats", meters));
  }

  private void drain(RoutingContext ctx) {
    vertx.executeBlocking(() -> {
      runtime.drain();
      return null;
    }, false);
    json(ctx, 202, new JsonObject().put("draining", true));
  }

  private static String openApi() {
    try (InputStream in = AdminServer.class.getResourceAsStream("openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encodePrettily());
  }

  private static void text(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8").end(body);
  }

  /** The methods and paths served, as {@code GET /routes/{name}}: what the OpenAPI document must list. */
  Map<String, Set<HttpMethod>> served() {
    Map<String, Set<HttpMethod>> out = new TreeMap<>();
    for (io.vertx.ext.web.Route r : router().getRoutes()) {
      if (r.getPath() == null) {
        continue;
      }
      String path = r.getPath().replaceAll(":([A-Za-z]+)", "{$1}");
      out.computeIfAbsent(path, p -> new java.util.TreeSet<>(java.util.Comparator.comparing(HttpMethod::name)))
          .addAll(r.methods());
    }
    return out;
  }

  /** The bound port. */
  public int port() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
