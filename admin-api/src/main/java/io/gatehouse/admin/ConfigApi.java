package io.gatehouse.admin;

import io.gatehouse.admin.store.AdminPush;
import io.gatehouse.admin.store.ConfigStore;
import io.gatehouse.admin.store.ConfigVersion;
import io.gatehouse.admin.store.ObjectKind;
import io.gatehouse.admin.store.Precedence;
import io.gatehouse.certs.CertStore;
import io.gatehouse.certs.CertificateInfo;
import io.gatehouse.certs.CertificateProblem;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.load.ConfigFile;
import io.gatehouse.routes.load.LoadResult;
import io.gatehouse.routes.load.Locations;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The config half of the admin API: the effective config with provenance, object reads and
 * writes, dry runs, history and rollback, pushed certificates. Every write goes through the
 * store's one writer, is checked against the whole resulting config and installed as one new
 * version, or rejected with nothing changed. The ETag of a read is the config version; a write
 * with {@code If-Match} fails with 412 unless that version still serves.
 */
final class ConfigApi {
  private static final List<ObjectKind> WRITABLE = List.of(ObjectKind.ROUTES, ObjectKind.UPSTREAMS, ObjectKind.EGRESS_ALLOW);
  /** How the merged config's checks name an admin-pushed object: {@code admin:routes/shop}. */
  private static final Pattern ADMIN_OBJECT = Pattern.compile("^admin:((listeners|upstreams|routes|egress/allow)/(.+))$");
  /** Their messages: {@code route "shop": backends.upstream: upstream "shop-v3" is not defined …}: the field, and the value named. */
  private static final Pattern FIELD_VALUE = Pattern.compile("^\\w+ \"[^\"]*\": ([A-Za-z][A-Za-z.]*): (?:[^\"]*\"([^\"]*)\")?");

  private final ConfigStore store;
  private final CertVault vault;
  private final Path baseDir;

  ConfigApi(ConfigStore store, CertVault vault, Path baseDir) {
    this.store = store;
    this.vault = vault;
    this.baseDir = baseDir;
  }

  void mount(Router router) {
    router.get("/config").handler(this::config);
    router.post("/config/validate").handler(this::validate);
    router.get("/config/history").handler(this::history);
    router.get("/config/history/:version").handler(this::historyVersion);
    router.post("/config/rollback/:version").handler(this::rollback);
    for (ObjectKind kind : WRITABLE) {
      String path = "/" + kind.path() + "/:name";
      router.get(path).handler(ctx -> read(ctx, kind));
      router.put(path).handler(ctx -> put(ctx, kind));
      router.delete(path).handler(ctx -> delete(ctx, kind));
    }
    router.get("/certs/:name").handler(this::readCert);
    router.put("/certs/:name").handler(this::putCert);
    router.delete("/certs/:name").handler(this::deleteCert);
  }

  private void config(RoutingContext ctx) {
    ConfigVersion serving = store.serving();
    if (serving == null) {
      Problem.send(ctx, 503, "no_config", "no config is installed yet");
      return;
    }
    ctx.vertx().executeBlocking(() -> certificates(serving.config()), false).onComplete(certs -> {
      JsonObject sources = new JsonObject();
      serving.provenance().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
          .forEach(e -> sources.put(e.getKey(), e.getValue()));
      JsonObject body = new JsonObject().put("version", serving.version()).put("source", serving.source())
          .put("installedAt", serving.at().toString()).put("config", ConfigJson.config(serving.config()))
          .put("sources", sources).put("certificates", certs.succeeded() ? certs.result() : new JsonArray());
      etag(ctx, serving.version());
      AdminServer.json(ctx, 200, body);
    });
  }

  /** Public facts of every HTTPS listener's certificates (blocking: reads the files). */
  private static JsonArray certificates(GatewayConfig config) {
    JsonArray out = new JsonArray();
    for (Listener l : config.listeners()) {
      if (l.protocol() != Listener.Protocol.HTTPS) {
        continue;
      }
      try {
        for (CertificateInfo info : CertStore.load(l.tls()).certificates()) {
          out.add(Json.certificate(info).put("listener", l.name()));
        }
      } catch (CertificateProblem e) {
        out.add(new JsonObject().put("listener", l.name()).put("error", e.getMessage()));
      }
    }
    return out;
  }

  /**
   * A dry run: 200 {@code "valid": true} when the serving config, with the document pushed over its
   * admin objects, passes every check; 422 with the errors otherwise, each on its line of the
   * document (also the errors found only on the merged config, such as an upstream nobody defines).
   * Nothing is installed either way.
   */
  private void validate(RoutingContext ctx) {
    String document = ctx.body().asString();
    if (document == null || document.isBlank()) {
      Problem.send(ctx, 400, "empty_body", "POST a config document (JSON or YAML, as a config file holds)");
      return;
    }
    Future.fromCompletionStage(store.check(AdminPush.document(document, baseDir)), ctx.vertx().getOrCreateContext())
        .onComplete(r -> {
          if (r.failed()) {
            Problem.send(ctx, 500, "internal_error", r.cause().toString());
            return;
          }
          etag(ctx, store.version());
          if (r.result() instanceof ConfigStore.Outcome.Rejected rejected) {
            List<ConfigError> errors = rejected.errors().stream().map(e -> inDocument(e, document)).toList();
            JsonArray located = Problem.errors(errors, "");
            for (int i = 0; i < errors.size(); i++) {
              Matcher object = ADMIN_OBJECT.matcher(rejected.errors().get(i).origin().file());
              if (errors.get(i) != rejected.errors().get(i) && object.matches()) {
                located.getJsonObject(i).put("object", object.group(1));
              }
            }
            Problem.send(ctx, 422, "invalid_config", "the document is not valid: " + errors.size()
                + (errors.size() == 1 ? " error" : " errors") + " (a dry run installs nothing)", located);
          } else {
            AdminServer.json(ctx, 200, new JsonObject().put("valid", true).put("version", store.version())
                .put("detail", "the document is valid over version " + store.version() + " (a dry run installs nothing)")
                .put("result", "valid"));
          }
        });
  }

  /**
   * An error the merged config's checks found on an object of the validated document (they know the
   * object, not the line: {@code admin:routes/shop:0}), moved to the line of the document where the
   * field it names is written; any other error as it is.
   */
  private ConfigError inDocument(ConfigError error, String document) {
    Matcher object = ADMIN_OBJECT.matcher(error.origin().file());
    if (error.origin().line() > 0 || !object.matches()) {
      return error;
    }
    Matcher field = FIELD_VALUE.matcher(error.message());
    boolean named = field.find();
    ConfigFile file = new ConfigFile(AdminPush.DOCUMENT, document, baseDir);
    return Locations.of(file, object.group(2), object.group(3), named ? field.group(1) : "",
            named && field.group(2) != null ? field.group(2) : "")
        .map(origin -> new ConfigError(origin, error.message())).orElse(error);
  }

  private void history(RoutingContext ctx) {
    JsonArray versions = new JsonArray();
    long serving = store.version();
    for (ConfigVersion v : store.history()) {
      versions.add(new JsonObject().put("version", v.version()).put("source", v.source()).put("at", v.at().toString())
          .put("serving", v.version() == serving).put("listeners", v.config().listeners().size())
          .put("upstreams", v.config().upstreams().size()).put("routes", v.config().routes().size())
          .put("egressAllow", v.config().egress().allow().size()));
    }
    AdminServer.json(ctx, 200, new JsonObject().put("version", serving).put("kept", ConfigStore.HISTORY).put("versions", versions));
  }

  private void historyVersion(RoutingContext ctx) {
    OptionalLong version = number(ctx.pathParam("version"));
    Optional<ConfigVersion> found = store.history().stream()
        .filter(v -> version.isPresent() && v.version() == version.getAsLong()).findFirst();
    if (found.isEmpty()) {
      Problem.send(ctx, 404, "version_not_found", "version " + ctx.pathParam("version") + " is not in the history");
      return;
    }
    ConfigVersion v = found.get();
    AdminServer.json(ctx, 200, new JsonObject().put("version", v.version()).put("source", v.source())
        .put("at", v.at().toString()).put("config", ConfigJson.config(v.config())));
  }

  private void rollback(RoutingContext ctx) {
    OptionalLong version = number(ctx.pathParam("version"));
    if (version.isEmpty() || store.history().stream().noneMatch(v -> v.version() == version.getAsLong())) {
      Problem.send(ctx, 404, "version_not_found", "version " + ctx.pathParam("version")
          + " is not in the history (the last " + ConfigStore.HISTORY + " versions are kept)");
      return;
    }
    ifMatch(ctx).ifPresent(match -> complete(ctx, store.rollback(version.getAsLong(), match), "",
        () -> new JsonObject().put("version", store.version()).put("rolledBackTo", version.getAsLong())));
  }

  private void read(RoutingContext ctx, ObjectKind kind) {
    String name = ctx.pathParam("name");
    ConfigVersion serving = store.serving();
    Object object = serving == null ? null : kind.find(serving.config(), name);
    if (object == null) {
      Problem.send(ctx, 404, "not_found", kind.key(name) + " is not in the serving config");
      return;
    }
    etag(ctx, serving.version());
    ctx.response().putHeader("x-gatehouse-source", serving.provenance().getOrDefault(kind.key(name), ""));
    AdminServer.json(ctx, 200, ConfigJson.object(object));
  }

  private void put(RoutingContext ctx, ObjectKind kind) {
    String name = ctx.pathParam("name");
    JsonObject body;
    try {
      body = new JsonObject(ctx.body().asString() == null ? "" : ctx.body().asString());
    } catch (DecodeException | ClassCastException e) {
      Problem.send(ctx, 400, "bad_json", "the body must be one JSON object (" + firstLine(e.getMessage()) + ")");
      return;
    }
    Object written = body.getValue("name");
    if (written != null && !name.equals(written)) {
      Problem.send(ctx, 400, "name_mismatch", "the body's name " + written + " is not the name in the path, " + name);
      return;
    }
    body.put("name", name);
    String document = body.encodePrettily();
    ifMatch(ctx).ifPresent(match -> complete(ctx, store.edit(match, keepingSecrets(kind, name, body)), document,
        () -> {
          Object now = kind.find(store.current(), name);
          return new JsonObject().put("version", store.version()).put(kind.path(), now == null ? null : ConfigJson.object(now));
        }));
  }

  /**
   * The PUT of {@code body}, where a route's scrubbed Redis URL sent back unchanged keeps the real
   * one of the serving route (looked up on the writer thread, so against the config the edit applies to).
   */
  private Function<GatewayConfig, LoadResult> keepingSecrets(ObjectKind kind, String name, JsonObject body) {
    if (kind != ObjectKind.ROUTES) {
      return AdminPush.put(kind, name, body.encodePrettily(), baseDir);
    }
    return fragment -> {
      GatewayConfig serving = store.current();
      Route existing = serving == null ? null : (Route) kind.find(serving, name);
      return AdminPush.put(kind, name, RedisSecret.restore(body, existing).encodePrettily(), baseDir).apply(fragment);
    };
  }

  private void delete(RoutingContext ctx, ObjectKind kind) {
    String name = ctx.pathParam("name");
    ConfigVersion serving = store.serving();
    boolean pushed = kind.find(store.fragment(Precedence.ADMIN), name) != null;
    if (!pushed) {
      String owner = serving == null ? null : serving.provenance().get(kind.key(name));
      if (owner == null) {
        Problem.send(ctx, 404, "not_found", kind.key(name) + " is not in the serving config");
      } else {
        Problem.send(ctx, 409, "not_admin_owned", kind.key(name) + " comes from " + owner
            + ", which the admin API does not change: remove it there (or PUT an override here)");
      }
      return;
    }
    ifMatch(ctx).ifPresent(match -> complete(ctx, store.edit(match, AdminPush.delete(kind, name)), "", () -> {
      ConfigVersion now = store.serving();
      return new JsonObject().put("version", now.version()).put("deleted", kind.key(name))
          .put("nowFrom", now.provenance().get(kind.key(name)));
    }));
  }

  private void readCert(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    if (!CertVault.validName(name)) {
      Problem.send(ctx, 404, "not_found", "no certificate named " + name);
      return;
    }
    Future.fromCompletionStage(CompletableFuture.supplyAsync(() -> {
      try {
        return vault.info(name);
      } catch (CertificateProblem e) {
        throw new IllegalStateException(e.getMessage());
      }
    }, store.writer()), ctx.vertx().getOrCreateContext()).onComplete(r -> {
      if (r.failed()) {
        Problem.send(ctx, 500, "certificate_unreadable", r.cause().getMessage());
      } else if (r.result().isEmpty()) {
        Problem.send(ctx, 404, "not_found", "no certificate named " + name);
      } else {
        AdminServer.json(ctx, 200, certJson(name, r.result().get()));
      }
    });
  }

  private void putCert(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    if (!CertVault.validName(name)) {
      Problem.send(ctx, 400, "bad_name", "certificate names are lowercase letters, digits, '.', '_' or '-' (found " + name + ")");
      return;
    }
    String text = ctx.body().asString();
    Optional<CertVault.Pair> pair = pem(text == null ? "" : text, ctx.request().getHeader("content-type"));
    if (pair.isEmpty()) {
      Problem.send(ctx, 400, "bad_pem", "expected PEM: the certificate chain (leaf first) and one private key,"
          + " as application/x-pem-file, or JSON {\"cert\": PEM, \"key\": PEM}");
      return;
    }
    CompletableFuture<CertificateInfo> stored = CompletableFuture.supplyAsync(() -> {
      try {
        return vault.put(name, pair.get());
      } catch (CertificateProblem | java.io.IOException e) {
        throw new IllegalArgumentException(e.getMessage());
      }
    }, store.writer());
    CompletableFuture<CertificateInfo> refreshed = stored.thenCompose(info -> store.refresh().thenApply(o -> info));
    Future.fromCompletionStage(refreshed, ctx.vertx().getOrCreateContext()).onComplete(r -> {
      if (r.failed()) {
        Throwable cause = r.cause() instanceof java.util.concurrent.CompletionException c ? c.getCause() : r.cause();
        Problem.send(ctx, 422, "invalid_certificate", "certificate " + name + " was not stored: " + cause.getMessage());
      } else {
        AdminServer.json(ctx, 200, certJson(name, r.result()));
      }
    });
  }

  private void deleteCert(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    GatewayConfig current = store.current();
    if (CertVault.validName(name) && current != null) {
      for (Listener l : current.listeners()) {
        for (ListenerTls.CertificateRef ref : l.tls().certificates()) {
          if (ref.cert().equals(vault.certFile(name).toString()) || ref.key().equals(vault.keyFile(name).toString())) {
            Problem.send(ctx, 409, "certificate_in_use", "certificate " + name + " is used by listener " + l.name());
            return;
          }
        }
      }
    }
    Future.fromCompletionStage(CompletableFuture.supplyAsync(() -> {
      try {
        return CertVault.validName(name) && vault.delete(name);
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e.getMessage());
      }
    }, store.writer()), ctx.vertx().getOrCreateContext()).onComplete(r -> {
      if (r.failed()) {
        Problem.send(ctx, 500, "delete_failed", r.cause().getMessage());
      } else if (!r.result()) {
        Problem.send(ctx, 404, "not_found", "no certificate named " + name);
      } else {
        AdminServer.json(ctx, 200, new JsonObject().put("deleted", name));
      }
    });
  }

  private JsonObject certJson(String name, CertificateInfo info) {
    return Json.certificate(info).put("name", name).put("cert", vault.certFile(name).toString())
        .put("key", vault.keyFile(name).toString());
  }

  /** A PEM upload: raw PEM blocks, or JSON {@code {"cert": …, "key": …}}. */
  private static Optional<CertVault.Pair> pem(String body, String contentType) {
    if (contentType != null && contentType.startsWith("application/json")) {
      try {
        JsonObject json = new JsonObject(body);
        return CertVault.split(json.getString("cert", "") + "\n" + json.getString("key", ""));
      } catch (DecodeException | ClassCastException e) {
        return Optional.empty();
      }
    }
    return CertVault.split(body);
  }

  /** The store's answer as HTTP: 200 with {@code ok}, 422 with located errors, 412 on a stale If-Match. */
  private void complete(RoutingContext ctx, CompletableFuture<ConfigStore.Outcome> outcome, String document,
                        Supplier<JsonObject> ok) {
    Future.fromCompletionStage(outcome, ctx.vertx().getOrCreateContext()).onComplete(r -> {
      if (r.failed()) {
        Problem.send(ctx, 500, "internal_error", r.cause().toString());
        return;
      }
      ConfigStore.Outcome o = r.result();
      if (o instanceof ConfigStore.Outcome.Rejected rejected) {
        Problem.send(ctx, 422, "invalid_config", "rejected; version " + store.version() + " keeps serving",
            Problem.errors(rejected.errors(), document));
      } else if (o instanceof ConfigStore.Outcome.Conflict conflict) {
        etag(ctx, conflict.current());
        Problem.send(ctx, 412, "version_mismatch", "If-Match names version " + conflict.expected()
            + " but version " + conflict.current() + " is serving; read it again and retry");
      } else {
        etag(ctx, store.version());
        AdminServer.json(ctx, 200, ok.get().put("result", o instanceof ConfigStore.Outcome.Installed ? "installed"
            : o instanceof ConfigStore.Outcome.Valid ? "valid" : "unchanged"));
      }
    });
  }

  /** The If-Match version (empty for none or {@code *}), or nothing after answering 400. */
  private static Optional<OptionalLong> ifMatch(RoutingContext ctx) {
    String header = ctx.request().getHeader("if-match");
    if (header == null || header.strip().equals("*")) {
      return Optional.of(OptionalLong.empty());
    }
    String value = header.strip();
    if (value.startsWith("W/")) {
      value = value.substring(2);
    }
    value = value.replace("\"", "");
    OptionalLong version = number(value);
    if (version.isEmpty()) {
      Problem.send(ctx, 400, "bad_if_match", "If-Match must be a config version as the ETag gives it, e.g. \"7\" (found " + header + ")");
      return Optional.empty();
    }
    return Optional.of(version);
  }

  private static OptionalLong number(String text) {
    try {
      return OptionalLong.of(Long.parseLong(text));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static void etag(RoutingContext ctx, long version) {
    ctx.response().putHeader("etag", "\"" + version + "\"");
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
