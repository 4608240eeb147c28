package io.gatehouse.admin;

import io.gatehouse.routes.auth.Attachment;
import io.gatehouse.routes.auth.AuthorizationPolicy;
import io.gatehouse.routes.auth.ExtAuthz;
import io.gatehouse.routes.auth.JwtProvider;
import io.gatehouse.routes.auth.Security;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code authentication}, {@code authorization} and {@code extAuthz} in the native config's
 * shape (the part of {@link ConfigJson} for who may come in). JWKS documents are public keys and
 * are shown; a key file or CA file appears as its path.
 */
final class SecurityJson {
  private SecurityJson() {}

  static void put(JsonObject out, Security s) {
    if (!s.authentication().isEmpty()) {
      out.put("authentication", new JsonArray(new ArrayList<>(s.authentication().stream().map(SecurityJson::provider).toList())));
    }
    if (!s.authorization().isEmpty()) {
      out.put("authorization", new JsonArray(new ArrayList<>(s.authorization().stream().map(SecurityJson::policy).toList())));
    }
    if (!s.extAuthz().isEmpty()) {
      out.put("extAuthz", new JsonArray(new ArrayList<>(s.extAuthz().stream().map(SecurityJson::extAuthz).toList())));
    }
  }

  static JsonObject provider(JwtProvider p) {
    JsonObject out = new JsonObject().put("name", p.name()).put("issuer", p.issuer());
    strings(out, "audiences", p.audiences());
    if (p.jwks() instanceof JwtProvider.Jwks.Remote r) {
      out.put("jwksUri", r.uri());
      if (!r.timeout().equals(JwtProvider.Jwks.Remote.DEFAULT_TIMEOUT)) {
        out.put("jwksTimeout", ConfigJson.duration(r.timeout()));
      }
      if (!r.caCert().isEmpty()) {
        out.put("jwksCaCert", r.caCert());
      }
    } else if (p.jwks() instanceof JwtProvider.Jwks.Inline i) {
      out.put("jwks", i.json());
    } else if (p.jwks() instanceof JwtProvider.Jwks.File f) {
      out.put("jwksFile", f.path());
    }
    // All three locations are written, even empty, so that reading back does not fill in Istio's defaults.
    out.put("fromHeaders", new JsonArray(new ArrayList<>(p.fromHeaders().stream()
        .map(h -> new JsonObject().put("name", h.name()).put("prefix", h.prefix())).toList())));
    out.put("fromParams", new JsonArray(new ArrayList<>(p.fromParams())));
    out.put("fromCookies", new JsonArray(new ArrayList<>(p.fromCookies())));
    if (p.forwardOriginalToken()) {
      out.put("forwardOriginalToken", true);
    }
    if (!p.outputPayloadToHeader().isEmpty()) {
      out.put("outputPayloadToHeader", p.outputPayloadToHeader());
    }
    if (!p.outputClaimToHeaders().isEmpty()) {
      out.put("outputClaimToHeaders", new JsonArray(new ArrayList<>(p.outputClaimToHeaders().stream()
          .map(c -> new JsonObject().put("header", c.header()).put("claim", c.claim())).toList())));
    }
    if (!p.clockSkew().equals(JwtProvider.DEFAULT_CLOCK_SKEW)) {
      out.put("clockSkew", ConfigJson.duration(p.clockSkew()));
    }
    if (!p.cache().equals(JwtProvider.Cache.DEFAULT)) {
      out.put("cache", new JsonObject().put("maxTokens", p.cache().maxTokens())
          .put("jwksRefresh", ConfigJson.duration(p.cache().jwksRefresh()))
          .put("jwksMinInterval", ConfigJson.duration(p.cache().jwksMinInterval())));
    }
    attachment(out, p.attachment());
    return out;
  }

  static JsonObject policy(AuthorizationPolicy p) {
    JsonObject out = new JsonObject().put("name", p.name()).put("action", p.action().name());
    if (!p.provider().isEmpty()) {
      out.put("provider", p.provider());
    }
    out.put("rules", new JsonArray(new ArrayList<>(p.rules().stream().map(SecurityJson::rule).toList())));
    attachment(out, p.attachment());
    return out;
  }

  private static JsonObject rule(AuthorizationPolicy.Rule r) {
    JsonObject out = new JsonObject();
    if (!r.from().isEmpty()) {
      out.put("from", new JsonArray(new ArrayList<>(r.from().stream().map(s -> {
        JsonObject source = new JsonObject();
        strings(source, "principals", s.principals());
        strings(source, "notPrincipals", s.notPrincipals());
        strings(source, "requestPrincipals", s.requestPrincipals());
        strings(source, "notRequestPrincipals", s.notRequestPrincipals());
        strings(source, "namespaces", s.namespaces());
        strings(source, "notNamespaces", s.notNamespaces());
        strings(source, "ipBlocks", s.ipBlocks());
        strings(source, "notIpBlocks", s.notIpBlocks());
        strings(source, "remoteIpBlocks", s.remoteIpBlocks());
        strings(source, "notRemoteIpBlocks", s.notRemoteIpBlocks());
        return new JsonObject().put("source", source);
      }).toList())));
    }
    if (!r.to().isEmpty()) {
      out.put("to", new JsonArray(new ArrayList<>(r.to().stream().map(o -> {
        JsonObject operation = new JsonObject();
        strings(operation, "hosts", o.hosts());
        strings(operation, "notHosts", o.notHosts());
        if (!o.ports().isEmpty()) {
          operation.put("ports", new JsonArray(o.ports().stream().map(String::valueOf).toList()));
        }
        if (!o.notPorts().isEmpty()) {
          operation.put("notPorts", new JsonArray(o.notPorts().stream().map(String::valueOf).toList()));
        }
        strings(operation, "methods", o.methods());
        strings(operation, "notMethods", o.notMethods());
        strings(operation, "paths", o.paths());
        strings(operation, "notPaths", o.notPaths());
        return new JsonObject().put("operation", operation);
      }).toList())));
    }
    if (!r.when().isEmpty()) {
      out.put("when", new JsonArray(new ArrayList<>(r.when().stream().map(c -> {
        JsonObject condition = new JsonObject().put("key", c.key());
        strings(condition, "values", c.values());
        strings(condition, "notValues", c.notValues());
        return condition;
      }).toList())));
    }
    return out;
  }

  static JsonObject extAuthz(ExtAuthz e) {
    JsonObject out = new JsonObject().put("name", e.name()).put("uri", e.uri());
    if (!e.timeout().equals(ExtAuthz.DEFAULT_TIMEOUT)) {
      out.put("timeout", ConfigJson.duration(e.timeout()));
    }
    if (e.failOpen()) {
      out.put("failOpen", true);
    }
    if (e.statusOnError() != ExtAuthz.DEFAULT_STATUS_ON_ERROR) {
      out.put("statusOnError", e.statusOnError());
    }
    strings(out, "headersToSend", e.headersToSend());
    strings(out, "headersToUpstream", e.headersToUpstream());
    strings(out, "headersToClient", e.headersToClient());
    return out;
  }

  private static void attachment(JsonObject out, Attachment a) {
    strings(out, "listeners", a.listeners());
    strings(out, "routes", a.routes());
  }

  private static void strings(JsonObject out, String key, List<String> values) {
    if (!values.isEmpty()) {
      out.put(key, new JsonArray(new ArrayList<>(values)));
    }
  }
}
