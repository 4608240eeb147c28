package io.gatehouse.admin;

import io.gatehouse.routes.AccessLogFormat;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.Admin;
import io.gatehouse.routes.CircuitBreaker;
import io.gatehouse.routes.Cors;
import io.gatehouse.routes.DataSize;
import io.gatehouse.routes.Egress;
import io.gatehouse.routes.EgressRule;
import io.gatehouse.routes.Fault;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Kubernetes;
import io.gatehouse.routes.HashOn;
import io.gatehouse.routes.HeaderOps;
import io.gatehouse.routes.HealthCheck;
import io.gatehouse.routes.Compression;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.MeshIdentity;
import io.gatehouse.routes.ListenerEdge;
import io.gatehouse.routes.ListenerLimits;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.Mirror;
import io.gatehouse.routes.OutlierDetection;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RateLimit;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.RetryBudget;
import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Rewrite;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.StickySession;
import io.gatehouse.routes.StringMatch;
import io.gatehouse.routes.Telemetry;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.UpstreamTls;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The config model as JSON in the native config's own shape, so what {@code GET /routes/NAME}
 * answers can be {@code PUT} back unchanged: every field of the model, in the keys and value
 * syntax the loader reads ({@code 250ms}, {@code 10MiB}, {@code header:NAME}). Inside the policy
 * blocks only values that differ from the defaults are written, to keep answers readable; the
 * defaults are the model records' own ({@code HealthCheck.DEFAULT}, {@code Cors.DEFAULT_METHODS},
 * ...), the ones the loader fills in, so a changed default cannot change a config on GET then PUT.
 * Files named by the config (certificates, keys, CAs) appear as paths; their content, and private
 * keys above all, never does. Passwords in Redis URLs are shown as {@value RedisSecret#PLACEHOLDER}
 * ({@link RedisSecret}).
 */
final class ConfigJson {
  private ConfigJson() {}

  static JsonObject config(GatewayConfig c) {
    JsonObject out = new JsonObject()
        .put("admin", admin(c.admin()))
        .put("listeners", array(c.listeners().stream().map(ConfigJson::listener).toList()))
        .put("upstreams", array(c.upstreams().stream().map(ConfigJson::upstream).toList()))
        .put("routes", array(c.routes().stream().map(ConfigJson::route).toList()))
        .put("egress", egress(c.egress()));
    if (c.demo().enabled()) {
      out.put("demo", new JsonObject().put("echoPort", c.demo().echoPort()));
    }
    if (!c.kubernetes().isEmpty()) {
      out.put("kubernetes", array(c.kubernetes().stream().map(ConfigJson::kubernetes).toList()));
    }
    if (!c.telemetry().equals(Telemetry.DEFAULT)) {
      out.put("telemetry", telemetry(c.telemetry()));
    }
    if (c.meshIdentity().enabled()) {
      out.put("meshIdentity", meshIdentity(c.meshIdentity()));
    }
    if (!c.xds().isEmpty()) {
      out.put("xds", array(c.xds().stream().map(ConfigJson::xds).toList()));
    }
    SecurityJson.put(out, c.security());
    return out;
  }

  /** The workload identity settings (file paths only; the key and token never appear). */
  private static JsonObject meshIdentity(MeshIdentity m) {
    MeshIdentity d = MeshIdentity.NONE;
    JsonObject out = new JsonObject().put("trustDomain", m.trustDomain());
    putIfSet(out, "namespace", m.namespace());
    putIfSet(out, "serviceAccount", m.serviceAccount());
    out.put("caAddress", m.caAddress());
    if (!m.caCert().equals(d.caCert())) {
      out.put("caCert", m.caCert());
    }
    out.put("rootCertSource", m.rootCertSource().name());
    if (!m.tokenFile().equals(d.tokenFile())) {
      out.put("tokenFile", m.tokenFile());
    }
    out.put("clusterId", m.clusterId()).put("keyType", m.keyType().name()).put("lifetime", duration(m.lifetime()));
    putIfSet(out, "stateDir", m.stateDir());
    if (m.plaintext()) {
      out.put("plaintext", true);
    }
    return out;
  }

  /** An xDS control plane as written (only the config directory may set one); empty settings are left out. */
  private static JsonObject xds(io.gatehouse.routes.Xds x) {
    JsonObject out = new JsonObject().put("address", x.address());
    putIfSet(out, "nodeId", x.nodeId());
    putIfSet(out, "caCert", x.caCert());
    putIfSet(out, "tokenFile", x.tokenFile());
    if (x.plaintext()) {
      out.put("plaintext", true);
    }
    return out;
  }

  /** The telemetry block; parts at their defaults are left out. */
  private static JsonObject telemetry(Telemetry t) {
    JsonObject out = new JsonObject();
    if (!t.metrics().equals(Telemetry.Metrics.DEFAULT)) {
      out.put("metrics", new JsonObject().put("gatehouse", t.metrics().gatehouse()).put("istio", t.metrics().istio()));
    }
    if (!t.workload().equals(Telemetry.Workload.FROM_ENVIRONMENT)) {
      JsonObject w = new JsonObject();
      putIfSet(w, "name", t.workload().name());
      putIfSet(w, "namespace", t.workload().namespace());
      putIfSet(w, "principal", t.workload().principal());
      putIfSet(w, "cluster", t.workload().cluster());
      out.put("workload", w);
    }
    AccessLogFormat log = t.accessLog();
    if (!log.equals(AccessLogFormat.DEFAULT)) {
      JsonObject a = new JsonObject().put("format", log.encoding().name());
      if (log.encoding() == AccessLogFormat.Encoding.TEXT) {
        a.put("text", log.text());
      } else {
        a.put("fields", new JsonArray(new ArrayList<>(log.fields())));
      }
      out.put("accessLog", a);
    }
    Telemetry.Tracing tr = t.tracing();
    if (tr.enabled()) {
      Telemetry.Tracing none = Telemetry.Tracing.NONE;
      JsonObject o = new JsonObject().put("endpoint", tr.endpoint()).put("protocol", tr.protocol().name())
          .put("sampling", number(tr.samplingPercent()))
          .put("propagation", new JsonArray(tr.propagation().stream().map(Enum::name).toList()));
      if (!tr.serviceName().equals(none.serviceName())) {
        o.put("serviceName", tr.serviceName());
      }
      putIfChanged(o, "maxQueueSize", tr.maxQueueSize(), none.maxQueueSize());
      putIfChanged(o, "exportTimeout", tr.exportTimeout(), none.exportTimeout());
      out.put("tracing", o);
    }
    return out;
  }

  /** A Kubernetes source as written (only the config directory may set one; reads show it). */
  private static JsonObject kubernetes(Kubernetes k) {
    JsonObject out = new JsonObject().put("name", k.name());
    if (!k.masterUrl().isEmpty()) {
      out.put("masterUrl", k.masterUrl());
    }
    JsonObject labels = new JsonObject();
    new TreeMap<>(k.gatewayLabels()).forEach((label, values) -> labels.put(label, new JsonArray(new ArrayList<>(new TreeSet<>(values)))));
    JsonObject ports = new JsonObject();
    new TreeMap<>(k.ports()).forEach((from, to) -> ports.put(Integer.toString(from), to));
    edge(out, k.edge());
    return out.put("namespaces", new JsonArray(new ArrayList<>(k.namespaces())))
        .put("gatewayLabels", labels)
        .put("gatewayClassName", k.gatewayClassName())
        .put("ports", ports)
        .put("debounce", duration(k.debounce()))
        .put("clusterDomain", k.clusterDomain())
        .put("proxyProtocol", k.proxyProtocol())
        .put("ingressClassName", k.ingressClassName())
        .put("publishService", k.publishService())
        .put("publishAddresses", new JsonArray(new ArrayList<>(k.publishAddresses())));
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
    if (o instanceof io.gatehouse.routes.auth.JwtProvider p) {
      return SecurityJson.provider(p);
    }
    if (o instanceof io.gatehouse.routes.auth.AuthorizationPolicy p) {
      return SecurityJson.policy(p);
    }
    if (o instanceof io.gatehouse.routes.auth.ExtAuthz e) {
      return SecurityJson.extAuthz(e);
    }
    return egressRule((EgressRule) o);
  }

  private static JsonObject admin(Admin a) {
    JsonObject out = new JsonObject().put("port", a.port()).put("address", a.address());
    a.tokenFile().ifPresent(t -> out.put("tokenFile", t));
    if (!a.tls().equals(ListenerTls.NONE)) {
      out.put("tls", tls(a.tls()));
    }
    return out;
  }

  private static JsonObject egress(Egress e) {
    JsonArray allow = new JsonArray();
    e.allow().forEach(r -> allow.add(egressRule(r)));
    JsonObject out = new JsonObject().put("mode", e.mode().name()).put("allow", allow);
    if (!e.verifySniPorts().equals(Egress.DENY_ALL.verifySniPorts())) {
      out.put("verifySniPorts", new JsonArray(e.verifySniPorts()));
    }
    return out;
  }

  static JsonObject listener(Listener l) {
    JsonObject out = new JsonObject().put("name", l.name()).put("address", l.address()).put("port", l.port())
        .put("protocol", l.protocol().name());
    if (!l.tls().equals(ListenerTls.NONE)) {
      out.put("tls", tls(l.tls()));
    }
    if (l.httpsRedirect().enabled()) {
      out.put("httpsRedirect", new JsonObject().put("port", l.httpsRedirect().port())
          .put("status", l.httpsRedirect().status()));
    }
    Listener.Tunnels t = l.tunnels();
    Listener.Tunnels dt = Listener.Tunnels.defaultFor(l.protocol());
    if (!t.equals(dt)) {
      JsonObject tunnels = new JsonObject();
      putIfChanged(tunnels, "idleTimeout", t.idleTimeout(), dt.idleTimeout());
      putIfChanged(tunnels, "maxDuration", t.maxDuration(), dt.maxDuration());
      putIfChanged(tunnels, "maxActive", t.maxActive(), dt.maxActive());
      out.put("tunnels", tunnels);
    }
    if (l.egressPort() != 0) {
      out.put("egressPort", l.egressPort());
    }
    if (!l.limits().equals(ListenerLimits.DEFAULT)) {
      out.put("limits", limits(l.limits()));
    }
    if (l.proxyProtocol()) {
      out.put("proxyProtocol", true);
    }
    edge(out, l.edge());
    if (l.compression().enabled()) {
      out.put("compression", compression(l.compression()));
    }
    return out;
  }

  /** The listener's edge keys that differ from {@link ListenerEdge#DEFAULT}, flat in the listener as the loader reads them. */
  private static void edge(JsonObject out, ListenerEdge e) {
    ListenerEdge d = ListenerEdge.DEFAULT;
    if (e.pathNormalization() != d.pathNormalization()) {
      out.put("pathNormalization", e.pathNormalization().name());
    }
    if (e.escapedSlashes() != ListenerEdge.EscapedSlashes.defaultFor(e.pathNormalization())) {
      out.put("escapedSlashes", e.escapedSlashes().name());
    }
    putIfSet(out, "originalPathHeader", e.originalPathHeader());
    if (e.headersWithUnderscores() != d.headersWithUnderscores()) {
      out.put("headersWithUnderscores", e.headersWithUnderscores().name());
    }
    putIfChanged(out, "trustedHops", e.trustedHops(), d.trustedHops());
    if (!e.trustedCidrs().isEmpty()) {
      out.put("trustedCidrs", new JsonArray(e.trustedCidrs()));
    }
    if (e.hostMustMatchCertificate() != d.hostMustMatchCertificate()) {
      out.put("hostMustMatchCertificate", e.hostMustMatchCertificate());
    }
  }

  private static JsonObject tls(ListenerTls t) {
    JsonArray certs = new JsonArray();
    for (ListenerTls.CertificateRef c : t.certificates()) {
      JsonObject cert = new JsonObject().put("hosts", new JsonArray(c.hosts()));
      if (c.dev()) {
        cert.put("dev", true);
      } else {
        cert.put("cert", c.cert()).put("key", c.key());
      }
      certs.add(cert);
    }
    JsonObject tls = new JsonObject().put("certificates", certs).put("clientAuth", t.clientAuth().name())
        .put("minVersion", t.minVersion());
    putIfSet(tls, "clientCa", t.clientCa());
    if (t.meshClients()) {
      tls.put("meshClients", true);
    }
    if (!t.ciphers().isEmpty()) {
      tls.put("ciphers", new JsonArray(t.ciphers()));
    }
    if (t.allowJdkFallback()) {
      tls.put("allowJdkFallback", true);
    }
    return tls;
  }

  private static JsonObject limits(ListenerLimits l) {
    ListenerLimits d = ListenerLimits.DEFAULT;
    JsonObject out = new JsonObject();
    if (!l.maxHeaderSize().equals(d.maxHeaderSize())) {
      out.put("maxHeaderSize", size(l.maxHeaderSize()));
    }
    if (!l.maxUriLength().equals(d.maxUriLength())) {
      out.put("maxUriLength", size(l.maxUriLength()));
    }
    putIfChanged(out, "headerReadTimeout", l.headerReadTimeout(), d.headerReadTimeout());
    putIfChanged(out, "idleTimeout", l.idleTimeout(), d.idleTimeout());
    putIfChanged(out, "maxConnections", l.maxConnections(), d.maxConnections());
    putIfChanged(out, "http2MaxConcurrentStreams", l.http2MaxConcurrentStreams(), d.http2MaxConcurrentStreams());
    putIfChanged(out, "http2MaxResets", l.http2MaxResets(), d.http2MaxResets());
    putIfChanged(out, "http2ResetWindow", l.http2ResetWindow(), d.http2ResetWindow());
    putIfChanged(out, "bodyReadTimeout", l.bodyReadTimeout(), d.bodyReadTimeout());
    return out;
  }

  /** {@code "HOST:PORT"}, or with its workload, the mapping form the config takes. */
  private static Object endpoint(Upstream.Endpoint e) {
    if (!e.workload().known()) {
      return e.toString();
    }
    Upstream.Workload w = e.workload();
    JsonObject workload = new JsonObject();
    putIfSet(workload, "name", w.name());
    putIfSet(workload, "namespace", w.namespace());
    putIfSet(workload, "app", w.app());
    putIfSet(workload, "version", w.version());
    putIfSet(workload, "serviceAccount", w.serviceAccount());
    putIfSet(workload, "identity", w.identity());
    putIfSet(workload, "cluster", w.cluster());
    return new JsonObject().put("address", e.toString()).put("workload", workload);
  }

  static JsonObject upstream(Upstream u) {
    JsonObject out = new JsonObject().put("name", u.name())
        .put("endpoints", new JsonArray(u.endpoints().stream().map(ConfigJson::endpoint).toList()))
        .put("loadBalancer", u.loadBalancer().name());
    if (u.protocol() != Upstream.Protocol.HTTP1) {
      out.put("protocol", u.protocol().name());
    }
    if (u.hashOn() instanceof HashOn.Header h) {
      out.put("hashOn", "header:" + h.name());
    } else if (u.hashOn() instanceof HashOn.Cookie c) {
      out.put("hashOn", "cookie:" + c.name());
    } else if (u.hashOn() instanceof HashOn.Client) {
      out.put("hashOn", "client");
    }
    UpstreamTls t = u.tls();
    if (t.mesh()) {
      JsonObject tls = new JsonObject().put("mode", "MESH");
      putIfSet(tls, "sni", t.sni());
      if (!t.subjectAltNames().isEmpty()) {
        tls.put("subjectAltNames", new JsonArray(t.subjectAltNames()));
      }
      out.put("tls", tls);
    } else if (t.enabled()) {
      JsonObject tls = new JsonObject();
      if (t.subjectAltNames().isEmpty()) {
        tls.put("verifyHostname", t.verifyHostname());
      } else {
        tls.put("subjectAltNames", new JsonArray(t.subjectAltNames()));
      }
      putIfSet(tls, "sni", t.sni());
      putIfSet(tls, "caCert", t.caCert());
      putIfSet(tls, "clientCert", t.clientCert());
      putIfSet(tls, "clientKey", t.clientKey());
      out.put("tls", tls);
    }
    HealthCheck h = u.healthCheck();
    if (h.enabled()) {
      JsonObject health = new JsonObject().put("path", h.path());
      HealthCheck d = HealthCheck.DEFAULT;
      putIfChanged(health, "interval", h.interval(), d.interval());
      putIfChanged(health, "timeout", h.timeout(), d.timeout());
      putIfChanged(health, "healthyThreshold", h.healthyThreshold(), d.healthyThreshold());
      putIfChanged(health, "unhealthyThreshold", h.unhealthyThreshold(), d.unhealthyThreshold());
      out.put("healthCheck", health);
    }
    OutlierDetection o = u.outlierDetection();
    if (o.enabled()) {
      JsonObject outlier = new JsonObject();
      OutlierDetection d = OutlierDetection.DEFAULT;
      putIfChanged(outlier, "consecutiveErrors", o.consecutiveErrors(), d.consecutiveErrors());
      putIfChanged(outlier, "baseEjectionTime", o.baseEjectionTime(), d.baseEjectionTime());
      putIfChanged(outlier, "maxEjectionPercent", o.maxEjectionPercent(), d.maxEjectionPercent());
      out.put("outlierDetection", outlier);
    }
    CircuitBreaker b = u.circuitBreaker();
    CircuitBreaker db = CircuitBreaker.DEFAULT;
    if (!b.equals(db)) {
      JsonObject breaker = new JsonObject();
      putIfChanged(breaker, "maxConnections", b.maxConnections(), db.maxConnections());
      putIfChanged(breaker, "maxPendingRequests", b.maxPendingRequests(), db.maxPendingRequests());
      putIfChanged(breaker, "maxRequests", b.maxRequests(), db.maxRequests());
      out.put("circuitBreaker", breaker);
    }
    RetryBudget r = u.retryBudget();
    if (!r.equals(RetryBudget.DEFAULT)) {
      JsonObject budget = new JsonObject();
      putIfChanged(budget, "percent", r.percent(), RetryBudget.DEFAULT.percent());
      putIfChanged(budget, "minRetries", r.minRetries(), RetryBudget.DEFAULT.minRetries());
      out.put("retryBudget", budget);
    }
    return out;
  }

  static JsonObject route(Route r) {
    JsonObject out = new JsonObject().put("name", r.name()).put("hosts", new JsonArray(r.hosts()));
    if (!r.listeners().isEmpty()) {
      out.put("listeners", new JsonArray(r.listeners()));
    }
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
    if (!r.fault().equals(Fault.NONE)) {
      out.put("fault", fault(r.fault()));
    }
    if (!r.rateLimit().equals(RateLimit.NONE)) {
      out.put("rateLimit", rateLimit(r.rateLimit()));
    }
    if (r.maxBodySize().bytes() > 0) {
      out.put("maxBodySize", size(r.maxBodySize()));
    }
    if (!r.mirror().equals(Mirror.NONE)) {
      JsonObject mirror = new JsonObject().put("upstream", r.mirror().upstream());
      if (r.mirror().percent() != Mirror.DEFAULT_PERCENT) {
        mirror.put("percent", number(r.mirror().percent()));
      }
      out.put("mirror", mirror);
    }
    if (!r.cors().equals(Cors.NONE)) {
      out.put("cors", cors(r.cors()));
    }
    r.tracing().samplingPercent().ifPresent(p -> out.put("tracing", new JsonObject().put("sampling", number(p))));
    if (!r.compression().inherit()) {
      out.put("compression", compression(r.compression()));
    }
    if (r.stickySession().enabled()) {
      out.put("stickySession", stickySession(r.stickySession()));
    }
    if (!r.grpcWeb()) {
      out.put("grpcWeb", false);
    }
    return out;
  }

  /** A route's own compression or a listener's default; off is {@code enabled: false}. */
  private static JsonObject compression(Compression c) {
    if (!c.enabled()) {
      return new JsonObject().put("enabled", false);
    }
    JsonObject compression = new JsonObject().put("algorithms", new JsonArray(c.algorithms()));
    if (!c.minSize().equals(Compression.MIN_SIZE)) {
      compression.put("minSize", size(c.minSize()));
    }
    if (!c.contentTypes().equals(Compression.CONTENT_TYPES)) {
      compression.put("contentTypes", new JsonArray(c.contentTypes()));
    }
    return compression;
  }

  private static JsonObject stickySession(StickySession s) {
    JsonObject out = new JsonObject().put("cookie", s.cookie());
    if (!s.ttl().isZero()) {
      out.put("ttl", duration(s.ttl()));
    }
    out.put("path", s.path()).put("httpOnly", s.httpOnly()).put("secure", s.secure());
    out.put("sameSite", switch (s.sameSite()) {
      case LAX -> "Lax";
      case STRICT -> "Strict";
      case NONE -> "None";
      case UNSET -> "";
    });
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
    out.put("ports", new JsonArray(r.ports()));
    if (!r.sources().isEmpty()) {
      out.put("sources", new JsonArray(r.sources()));
    }
    if (!r.identities().isEmpty()) {
      out.put("identities", new JsonArray(r.identities()));
    }
    if (r.originateTls()) {
      out.put("originateTls", true);
    }
    putIfSet(out, "caCert", r.caCert());
    return out;
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
    RetryPolicy.Backoff b = p.backoff();
    if (!b.equals(RetryPolicy.Backoff.DEFAULT)) {
      // The loader's max defaults to ten times the base: written only when it differs from that.
      JsonObject backoff = new JsonObject().put("base", duration(b.base()));
      putIfChanged(backoff, "max", b.max(), b.base().multipliedBy(RetryPolicy.Backoff.MAX_FACTOR));
      putIfChanged(backoff, "maxRetryAfter", b.maxRetryAfter(), RetryPolicy.Backoff.MAX_RETRY_AFTER);
      putIfChanged(backoff, "min", b.min(), Duration.ZERO);
      out.put("backoff", backoff);
    }
    return out;
  }

  /** Delay and abort as far as set; a fault of neither (only a header) keeps its delay so that it still loads. */
  private static JsonObject fault(Fault f) {
    JsonObject out = new JsonObject();
    if (!f.delay().equals(Fault.Delay.NONE) || f.abort().equals(Fault.Abort.NONE)) {
      out.put("delay", new JsonObject().put("fixed", duration(f.delay().fixed())).put("percent", number(f.delay().percent())));
    }
    if (!f.abort().equals(Fault.Abort.NONE)) {
      out.put("abort", new JsonObject().put("status", f.abort().status()).put("percent", number(f.abort().percent())));
    }
    putIfSet(out, "header", f.header());
    return out;
  }

  private static JsonObject rateLimit(RateLimit r) {
    JsonObject out = new JsonObject().put("requestsPerSecond", number(r.requestsPerSecond())).put("burst", r.burst());
    if (!r.key().equals(RateLimit.DEFAULT_KEY)) {
      out.put("key", key(r.key()));
    }
    RateLimit.Global g = r.global();
    if (!g.equals(RateLimit.Global.NONE)) {
      JsonObject global = new JsonObject().put("redis", RedisSecret.scrub(g.redis()));
      if (g.failOpen() != RateLimit.Global.DEFAULT_FAIL_OPEN) {
        global.put("failOpen", g.failOpen());
      }
      putIfChanged(global, "timeout", g.timeout(), RateLimit.Global.DEFAULT_TIMEOUT);
      out.put("global", global);
    }
    return out;
  }

  /** A bucket key in the loader's syntax: {@code client}, {@code route} or {@code header:NAME}. */
  private static String key(RateLimit.Key key) {
    if (key instanceof RateLimit.Key.Header h) {
      return "header:" + h.name();
    }
    return key instanceof RateLimit.Key.Route ? "route" : "client";
  }

  private static JsonObject cors(Cors c) {
    JsonObject out = new JsonObject().put("allowOrigins", new JsonArray(c.allowOrigins()));
    if (!c.allowMethods().equals(Cors.DEFAULT_METHODS)) {
      out.put("allowMethods", new JsonArray(c.allowMethods()));
    }
    if (!c.allowHeaders().isEmpty()) {
      out.put("allowHeaders", new JsonArray(c.allowHeaders()));
    }
    if (!c.exposeHeaders().isEmpty()) {
      out.put("exposeHeaders", new JsonArray(c.exposeHeaders()));
    }
    putIfChanged(out, "maxAge", c.maxAge(), Cors.DEFAULT_MAX_AGE);
    if (c.allowCredentials()) {
      out.put("allowCredentials", true);
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

  /** In the config's own syntax, the largest binary unit that divides it: {@code 10MiB}, {@code 1536B}. */
  static String size(DataSize s) {
    long b = s.bytes();
    for (String unit : List.of("GiB", "MiB", "KiB")) {
      long factor = switch (unit) {
        case "GiB" -> 1L << 30;
        case "MiB" -> 1L << 20;
        default -> 1L << 10;
      };
      if (b > 0 && b % factor == 0) {
        return b / factor + unit;
      }
    }
    return b + "B";
  }

  /** Whole numbers without a fraction ({@code 10}, not {@code 10.0}). */
  private static Number number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Number) (long) d : (Number) d;
  }

  private static void putIfChanged(JsonObject o, String key, Duration value, Duration fallback) {
    if (!value.equals(fallback)) {
      o.put(key, duration(value));
    }
  }

  private static void putIfChanged(JsonObject o, String key, int value, int fallback) {
    if (value != fallback) {
      o.put(key, value);
    }
  }

  private static void putIfSet(JsonObject o, String key, String value) {
    if (!value.isEmpty()) {
      o.put(key, value);
    }
  }

  private static JsonArray array(List<JsonObject> objects) {
    return new JsonArray(new ArrayList<>(objects));
  }
}
