package io.gatehouse.admin;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.EgressRule;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.HeaderOps;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Rewrite;
import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.StringMatch;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.UpstreamTls;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The config model as JSON in the native config's own shape, so what {@code GET /routes/NAME}
 * answers can be {@code PUT} back unchanged. Files named by the config (certificates, keys,
 * CAs) appear as paths; their content, and private keys above all, never does.
 */
final class ConfigJson {
  private ConfigJson() {}

  static JsonObject config(GatewayConfig c) {
    JsonObject admin = new JsonObject().put("port", c.admin().port()).put("address", c.admin().address());
    c.admin().tokenFile().ifPresent(t -> admin.put("tokenFile", t));
    JsonArray allow = new JsonArray();
    c.egress().allow().forEach(r -> allow.add(egressRule(r)));
    return new JsonObject()
        .put("admin", admin)
        .put("listeners", array(c.listeners().stream().map(ConfigJson::listener).toList()))
        .put("upstreams", array(c.upstreams().stream().map(ConfigJson::upstream).toList()))
        .put("routes", array(c.routes().stream().map(ConfigJson::route).toList()))
        .put("egress", new JsonObject().put("mode", c.egress().mode().name()).put("allow", allow));
  }

  static JsonObject object(Object o) {
    if (o instanceof Route r) {
      return route(r);
    }
    if (o instanceof Upstream u) {
      return upstream(u);
    }
    if (o instanceof Listener l) {
      return listener(l);
    }
    return egressRule((EgressRule) o);
  }

  static JsonObject listener(Listener l) {
    JsonObject out = new JsonObject().put("name", l.name()).put("address", l.address()).put("port", l.port())
        .put("protocol", l.protocol().name());
    if (l.protocol() == Listener.Protocol.HTTPS) {
      ListenerTls t = l.tls();
      JsonArray certs = new JsonArray();
      t.certificates().forEach(c -> certs.add(new JsonObject().put("hosts", new JsonArray(c.hosts()))
          .put("cert", c.cert()).put("key", c.key())));
      JsonObject tls = new JsonObject().put("certificates", certs).put("clientAuth", t.clientAuth().name())
          .put("minVersion", t.minVersion());
      if (!t.clientCa().isEmpty()) {
        tls.put("clientCa", t.clientCa());
      }
      if (!t.ciphers().isEmpty()) {
        tls.put("ciphers", new JsonArray(t.ciphers()));
      }
      out.put("tls", tls);
    }
    return out;
  }

  static JsonObject upstream(Upstream u) {
    JsonObject out = new JsonObject().put("name", u.name())
        .put("endpoints", new JsonArray(u.endpoints().stream().map(Upstream.Endpoint::toString).toList()))
        .put("loadBalancer", u.loadBalancer().name());
    UpstreamTls t = u.tls();
    if (t.enabled()) {
      JsonObject tls = new JsonObject().put("verifyHostname", t.verifyHostname());
      putIfSet(tls, "sni", t.sni());
      putIfSet(tls, "caCert", t.caCert());
      putIfSet(tls, "clientCert", t.clientCert());
      putIfSet(tls, "clientKey", t.clientKey());
      out.put("tls", tls);
    }
    return out;
  }

  static JsonObject route(Route r) {
    JsonObject out = new JsonObject().put("name", r.name()).put("hosts", new JsonArray(r.hosts()));
    JsonArray match = new JsonArray();
    r.match().forEach(m -> match.add(match(m)));
    out.put("match", match);
    if (r.action() instanceof Action.Forward f) {
      JsonArray backends = new JsonArray();
      f.backends().forEach(b -> backends.add(new JsonObject().put("upstream", b.upstream()).put("weight", b.weight())));
      out.put("backends", backends);
    } else if (r.action() instanceof Action.Redirect d) {
      JsonObject redirect = new JsonObject().put("status", d.status());
      putIfSet(redirect, "scheme", d.scheme());
      putIfSet(redirect, "host", d.host());
      putIfSet(redirect, "path", d.path());
      if (d.port() > 0) {
        redirect.put("port", d.port());
      }
      out.put("redirect", redirect);
    } else if (r.action() instanceof Action.DirectResponse d) {
      out.put("directResponse", new JsonObject().put("status", d.status()).put("body", d.body()));
    }
    if (!r.rewrite().equals(Rewrite.NONE)) {
      out.put("rewrite", rewrite(r.rewrite()));
    }
    if (!r.headers().equals(HeaderOps.NONE)) {
      out.put("headers", new JsonObject().put("request", edits(r.headers().request()))
          .put("response", edits(r.headers().response())));
    }
    out.put("timeout", duration(r.timeout()));
    out.put("retries", retries(r.retries()));
    return out;
  }

  static JsonObject egressRule(EgressRule r) {
    JsonObject out = new JsonObject();
    String destination = "";
    if (r.destination() instanceof EgressRule.Destination.Host h) {
      destination = h.pattern();
      out.put("host", destination);
    } else if (r.destination() instanceof EgressRule.Destination.Cidr c) {
      destination = c.cidr();
      out.put("cidr", destination);
    }
    if (!r.name().equals(destination)) {
      out.put("name", r.name()); // a rule without a name is named by its destination
    }
    return out.put("ports", new JsonArray(r.ports()));
  }

  private static JsonObject match(RequestMatch m) {
    JsonObject out = new JsonObject();
    if (m.path() instanceof PathMatch.Exact e) {
      out.put("path", new JsonObject().put("exact", e.path()));
    } else if (m.path() instanceof PathMatch.Prefix p) {
      out.put("path", new JsonObject().put("prefix", p.prefix()));
    } else if (m.path() instanceof PathMatch.Regex x) {
      out.put("path", new JsonObject().put("regex", x.pattern()));
    }
    if (!m.methods().isEmpty()) {
      out.put("methods", new JsonArray(new TreeSet<>(m.methods()).stream().toList()));
    }
    if (!m.headers().isEmpty()) {
      out.put("headers", strings(m.headers()));
    }
    if (!m.query().isEmpty()) {
      out.put("query", strings(m.query()));
    }
    return out;
  }

  private static JsonObject strings(Map<String, StringMatch> matches) {
    JsonObject out = new JsonObject();
    new TreeMap<>(matches).forEach((name, m) -> out.put(name, stringMatch(m)));
    return out;
  }

  private static JsonObject stringMatch(StringMatch m) {
    if (m instanceof StringMatch.Exact e) {
      return new JsonObject().put("exact", e.value());
    }
    if (m instanceof StringMatch.Prefix p) {
      return new JsonObject().put("prefix", p.value());
    }
    if (m instanceof StringMatch.Regex r) {
      return new JsonObject().put("regex", r.pattern());
    }
    return new JsonObject().put("present", true);
  }

  private static JsonObject rewrite(Rewrite r) {
    JsonObject out = new JsonObject();
    if (r.path() instanceof Rewrite.PathRewrite.Prefix p) {
      out.put("prefix", p.replacement());
    } else if (r.path() instanceof Rewrite.PathRewrite.Regex x) {
      out.put("regex", new JsonObject().put("pattern", x.pattern()).put("substitution", x.substitution()));
    }
    putIfSet(out, "host", r.host());
    return out;
  }

  private static JsonObject edits(HeaderOps.Edits e) {
    return new JsonObject().put("set", new JsonObject(new TreeMap<>(e.set()))).put("add", new JsonObject(new TreeMap<>(e.add())))
        .put("remove", new JsonArray(e.remove()));
  }

  private static JsonObject retries(RetryPolicy p) {
    JsonArray on = new JsonArray();
    if (p.onConnectFailure()) {
      on.add("connect-failure");
    }
    if (p.onReset()) {
      on.add("reset");
    }
    new TreeSet<>(p.onStatuses()).forEach(s -> on.add(String.valueOf(s)));
    JsonObject out = new JsonObject().put("attempts", p.attempts()).put("on", on).put("nonIdempotent", p.nonIdempotent());
    if (!p.perTryTimeout().isZero()) {
      out.put("perTryTimeout", duration(p.perTryTimeout()));
    }
    return out;
  }

  /** In the config's own syntax: {@code 15s}, {@code 250ms}, {@code 1m}. */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  private static void putIfSet(JsonObject o, String key, String value) {
    if (!value.isEmpty()) {
      o.put(key, value);
    }
  }

  private static JsonArray array(java.util.List<JsonObject> objects) {
    return new JsonArray(new java.util.ArrayList<>(objects));
  }
}
