package io.gatehouse.admin;

import io.gatehouse.admin.store.ConfigStore;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dashboard at {@code /ui}: three static files from the jar (no build step) and
 * {@code /ui/events}, a server-sent event a second per open page with what changed since the last:
 * requests per second, error rate and p99 per route and upstream (from two readings of the
 * gateway's own counters), endpoint health and ejection, egress decisions, connections and the
 * config version. The static files hold no data and are open; every call that returns data needs
 * the admin token like the rest of the API.
 */
final class Dashboard {
  /** The static files, open without a token: they carry no data. */
  static final Set<String> FILES = Set.of("/ui", "/ui/", "/ui/app.js", "/ui/app.css");
  static final long PERIOD_MILLIS = 1_000;
  private static final int TOP_DENIED = 10;

  private final RuntimeView runtime;
  private final ConfigStore store;
  private final Map<String, Buffer> files = new HashMap<>();

  Dashboard(RuntimeView runtime, ConfigStore store) {
    this.runtime = runtime;
    this.store = store;
    files.put("index.html", resource("index.html"));
    files.put("app.js", resource("app.js"));
    files.put("app.css", resource("app.css"));
  }

  void mount(Router router) {
    router.get("/ui").handler(ctx -> file(ctx, "index.html", "text/html; charset=utf-8"));
    router.get("/ui/app.js").handler(ctx -> file(ctx, "app.js", "text/javascript; charset=utf-8"));
    router.get("/ui/app.css").handler(ctx -> file(ctx, "app.css", "text/css; charset=utf-8"));
    router.get("/ui/events").handler(this::events);
  }

  private void file(RoutingContext ctx, String name, String type) {
    ctx.response().putHeader("content-type", type).putHeader("cache-control", "no-cache")
        .putHeader("x-content-type-options", "nosniff").end(files.get(name));
  }

  private void events(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    response.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
    Readings readings = new Readings();
    send(response, readings);
    long timer = ctx.vertx().setPeriodic(PERIOD_MILLIS, id -> send(response, readings));
    response.closeHandler(v -> ctx.vertx().cancelTimer(timer));
    response.exceptionHandler(e -> ctx.vertx().cancelTimer(timer));
  }

  private void send(HttpServerResponse response, Readings readings) {
    if (response.closed() || response.writeQueueFull()) {
      return; // a page that does not read skips a beat rather than queueing
    }
    response.write("data: " + readings.next().encode() + "\n\n");
  }

  /** One page's previous readings: rates are differences between two of them. */
  private final class Readings {
    private final Map<String, TrafficView> traffic = new HashMap<>();
    private final Map<String, Long> egress = new HashMap<>();
    private long at = System.nanoTime();
    private boolean first = true;

    JsonObject next() {
      long now = System.nanoTime();
      double seconds = Math.max(0.001, (now - at) / 1e9);
      at = now;
      if (first) {
        // The first reading is the baseline: what was counted before the page opened is no rate.
        first = false;
        runtime.traffic().forEach(t -> traffic.put(t.route() + '\u0000' + t.upstream(), t));
        runtime.egress().forEach(e -> egress.put(e.destination() + '\u0000' + e.allowed() + '\u0000' + e.reason(), e.count()));
      }
      JsonArray flows = new JsonArray();
      for (TrafficView t : runtime.traffic()) {
        String key = t.route() + '\u0000' + t.upstream();
        TrafficView before = traffic.put(key, t);
        long requests = t.requests() - (before == null ? 0 : before.requests());
        long errors = t.errors() - (before == null ? 0 : before.errors());
        flows.add(new JsonObject().put("route", t.route()).put("upstream", t.upstream())
            .put("requests", t.requests()).put("rps", requests / seconds)
            .put("errorRate", requests > 0 ? (double) errors / requests : 0.0)
            .put("p99Ms", p99(t, before, requests)));
      }
      JsonArray clusters = new JsonArray();
      for (ClusterView c : runtime.clusters()) {
        JsonArray endpoints = new JsonArray();
        c.endpoints().forEach(e -> endpoints.add(new JsonObject().put("address", e.address()).put("health", e.health())
            .put("activeRequests", e.activeRequests())));
        clusters.add(new JsonObject().put("name", c.name()).put("endpoints", endpoints));
      }
      return new JsonObject().put("version", store.version()).put("traffic", flows).put("clusters", clusters)
          .put("connections", new JsonObject(new HashMap<>(runtime.connections())))
          .put("egress", egress(seconds)).put("egressDenied", denied());
    }

    /** Requests per second to each egress destination, and the denied share. */
    private JsonArray egress(double seconds) {
      Map<String, double[]> rates = new HashMap<>();
      for (EgressView e : runtime.egress()) {
        String key = e.destination() + '\u0000' + e.allowed() + '\u0000' + e.reason();
        Long before = egress.put(key, e.count());
        double rps = (e.count() - (before == null ? 0 : before)) / seconds;
        double[] r = rates.computeIfAbsent(e.destination(), d -> new double[2]);
        r[0] += rps;
        if (!e.allowed()) {
          r[1] += rps;
        }
      }
      JsonArray out = new JsonArray();
      rates.forEach((destination, r) -> out.add(new JsonObject().put("destination", destination).put("rps", r[0])
          .put("deniedRps", r[1])));
      return out;
    }
  }

  /** The most denied egress destinations since start. */
  private JsonArray denied() {
    List<EgressView> denied = new ArrayList<>(runtime.egress().stream().filter(e -> !e.allowed()).toList());
    denied.sort(Comparator.comparingLong(EgressView::count).reversed());
    JsonArray out = new JsonArray();
    denied.stream().limit(TOP_DENIED).forEach(e -> out.add(new JsonObject().put("destination", e.destination())
        .put("reason", e.reason()).put("count", e.count())));
    return out;
  }

  /** The 99th percentile of the requests between two readings: the bound of the bucket that holds it. */
  static Double p99(TrafficView now, TrafficView before, long requests) {
    if (requests <= 0 || now.bucketCounts().length == 0) {
      return null;
    }
    double rank = Math.ceil(requests * 0.99);
    for (int i = 0; i < now.bucketCounts().length; i++) {
      long earlier = before == null || before.bucketCounts().length != now.bucketCounts().length ? 0 : before.bucketCounts()[i];
      if (now.bucketCounts()[i] - earlier >= rank) {
        return now.bucketMillis()[i];
      }
    }
    return null; // beyond the largest bucket
  }

  private static Buffer resource(String name) {
    try (InputStream in = Dashboard.class.getResourceAsStream("ui/" + name)) {
      if (in == null) {
        throw new IllegalStateException("ui/" + name + " is missing from the build");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
