package io.gatehouse.admin;

import io.gatehouse.routes.ConfigError;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Admin API errors as RFC 9457 {@code application/problem+json}: {@code type}, {@code title},
 * {@code status}, {@code detail}, plus {@code reason} (a short snake_case word) and, for config
 * that was rejected, {@code errors}: each with its source, object, line, field and message.
 */
final class Problem {
  static final String CONTENT_TYPE = "application/problem+json";
  private static final Pattern OBJECT = Pattern.compile("^(.+):((?:listeners|upstreams|routes|egress/allow)/[^/]+)$");
  /** Merged-config errors say {@code route "x": FIELD: …} where they have no line. */
  private static final Pattern FIELD = Pattern.compile("^\\w+ \"[^\"]*\": ([A-Za-z][A-Za-z.]*): ");

  private Problem() {}

  static void send(RoutingContext ctx, int status, String reason, String detail) {
    send(ctx, status, reason, detail, null);
  }

  static void send(RoutingContext ctx, int status, String reason, String detail, JsonArray errors) {
    JsonObject body = new JsonObject()
        .put("type", "urn:gatehouse:problem:" + reason)
        .put("title", HttpResponseStatus.valueOf(status).reasonPhrase())
        .put("status", status)
        .put("detail", detail)
        .put("reason", reason);
    if (errors != null) {
      body.put("errors", errors);
    }
    ctx.response().setStatusCode(status).putHeader("content-type", CONTENT_TYPE).end(body.encodePrettily());
  }

  /** Located config errors; {@code document} is the pushed JSON (pretty-printed) that line numbers of {@code admin:} origins refer to, or "". */
  static JsonArray errors(List<ConfigError> errors, String document) {
    JsonArray out = new JsonArray();
    for (ConfigError e : errors) {
      JsonObject json = new JsonObject().put("origin", e.origin().toString());
      String file = e.origin().file();
      Matcher m = OBJECT.matcher(file);
      if (m.matches()) {
        json.put("source", m.group(1)).put("object", m.group(2));
      } else {
        json.put("file", file);
      }
      json.put("line", e.origin().line());
      String field = e.origin().line() > 0 && file.startsWith("admin:") ? FieldPath.at(document, e.origin().line()) : "";
      if (field.isEmpty()) {
        Matcher f = FIELD.matcher(e.message());
        field = f.find() ? f.group(1) : "";
      }
      if (!field.isEmpty()) {
        json.put("field", field);
      }
      out.add(json.put("message", e.message()));
    }
    return out;
  }
}
