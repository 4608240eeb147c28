package io.gatehouse.gateway.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The gateway's Micrometer meters, all named {@code gatehouse.*}: requests and their latency by
 * route, upstream and status class; active connections by listener; config version and reload
 * failures. Request meters are looked up by two map hits per request, without allocating.
 */
public final class GatewayMetrics {
  private static final String[] STATUS_CLASSES = {"1xx", "1xx", "2xx", "3xx", "4xx", "5xx"};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Map<String, RouteMeters>> byRoute = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> connections = new ConcurrentHashMap<>();

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * Every meter's measurements keyed {@code name{tag=value,…}} (with {@code .statistic} when a
   * meter has several, as a timer's count, total and max): {@code GET /stats} on the admin port.
   */
  public java.util.Map<String, Double> stats() {
    java.util.Map<String, Double> out = new java.util.TreeMap<>();
    for (io.micrometer.core.instrument.Meter meter : registry.getMeters()) {
      io.micrometer.core.instrument.Meter.Id id = meter.getId();
      StringBuilder tags = new StringBuilder();
      id.getTags().forEach(t -> tags.append(tags.length() == 0 ? "{" : ",").append(t.getKey()).append('=').append(t.getValue()));
      String key = id.getName() + (tags.length() == 0 ? "" : tags.append('}').toString());
      java.util.List<io.micrometer.core.instrument.Measurement> measurements = new java.util.ArrayList<>();
      meter.measure().forEach(measurements::add);
      for (io.micrometer.core.instrument.Measurement m : measurements) {
        out.put(measurements.size() == 1 ? key : key + "." + m.getStatistic().getTagValueRepresentation(), m.getValue());
      }
    }
    return out;
  }

  /** Records one finished request. */
  public void request(String route, String upstream, int status, long durationNanos) {
    byRoute.computeIfAbsent(route, r -> new ConcurrentHashMap<>())
        .computeIfAbsent(upstream, u -> new RouteMeters(route, u))
        .record(status, durationNanos);
  }

  /** The live count of connections open on {@code listener}. */
  public AtomicLong connections(String listener) {
    return connections.computeIfAbsent(listener, l -> registry.gauge("gatehouse.connections.active",
        io.micrometer.core.instrument.Tags.of("listener", l), new AtomicLong()));
  }

  /** Exposes the config store's version and failure count. */
  public void config(LongSupplier version, LongSupplier failures) {
    io.micrometer.core.instrument.Gauge.builder("gatehouse.config.version", version::getAsLong)
        .description("version of the serving config").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("gatehouse.config.reload.failures", failures,
        LongSupplier::getAsLong).description("configs rejected since start").register(registry);
  }

  /** 1 while config source {@code source} has no error (fetch or rejected change), else 0: degraded mode shows. */
  public void source(String source, java.util.function.BooleanSupplier healthy) {
    io.micrometer.core.instrument.Gauge.builder("gatehouse.config.source.healthy", () -> healthy.getAsBoolean() ? 1 : 0)
        .tag("source", source).description("1 while the config source has no error").register(registry);
  }

  /** One route and upstream's meters, one per status class, created on first use. */
  private final class RouteMeters {
    private final String route;
    private final String upstream;
    private final Counter[] counters = new Counter[6];
    private final Timer[] timers = new Timer[6];

    RouteMeters(String route, String upstream) {
      this.route = route;
      this.upstream = upstream;
    }

    void record(int status, long durationNanos) {
      int c = status >= 100 && status < 600 ? status / 100 : 0;
      Timer timer = timers[c];
      if (timer == null) {
        timer = create(c);
      }
      timer.record(durationNanos, TimeUnit.NANOSECONDS);
      counters[c].increment();
    }

    private synchronized Timer create(int c) {
      String statusClass = c == 0 ? "none" : STATUS_CLASSES[c];
      counters[c] = Counter.builder("gatehouse.requests").description("requests served")
          .tags("route", route, "upstream", upstream, "status_class", statusClass).register(registry);
      timers[c] = Timer.builder("gatehouse.request.duration").description("request latency, first byte in to last byte out")
          .tags("route", route, "upstream", upstream, "status_class", statusClass)
          .publishPercentileHistogram().register(registry);
      return timers[c];
    }
  }
}
