package io.gatehouse.gateway.observe;

import io.gatehouse.admin.EgressView;
import io.gatehouse.admin.TrafficView;
import io.gatehouse.certs.CertificateInfo;
import io.gatehouse.gateway.upstream.EndpointState;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.gatehouse.routes.Telemetry;
import io.gatehouse.routes.Upstream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The gateway's Micrometer meters, all named {@code gatehouse.*}: requests and their latency by
 * route, upstream and status class; active connections by listener; config version and reload
 * failures; upstream endpoint health and ejection, tries active and pending. (Counters of
 * retries, overflows and ejections belong to each upstream client's {@code UpstreamMeters}.)
 * Request meters are looked up by two map hits per request, without allocating.
 */
public final class GatewayMetrics {
  private static final String[] STATUS_CLASSES = {"1xx", "1xx", "2xx", "3xx", "4xx", "5xx"};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Map<String, RouteMeters>> byRoute = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> connections = new ConcurrentHashMap<>();
  private final MultiGauge certificateExpiry = MultiGauge.builder("gatehouse.tls.certificate.expiry")
      .description("when each served certificate expires, in Unix seconds").baseUnit("seconds").register(registry);
  private final List<MultiGauge> upstreamGauges = new ArrayList<>(4);
  private volatile LongSupplier configFailures;
  private final Map<String, String> env;
  private volatile boolean gatehouse = true;
  private volatile IstioMetrics istio;
  private Telemetry.Workload workload;

  /** Reports as the pod {@code POD_NAME}/{@code POD_NAMESPACE} of the process environment, unless config says otherwise. */
  public GatewayMetrics() {
    this(System.getenv());
  }

  GatewayMetrics(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

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

  /**
   * Applies a config's telemetry settings: each per-request family ({@code gatehouse.requests} and
   * {@code gatehouse.request.duration}; Istio's) on or off, its meters removed when turned off, and
   * the Istio destinations of {@code upstreams}. Called by the config writer at each install.
   */
  public synchronized void telemetry(Telemetry telemetry, Collection<Upstream> upstreams) {
    telemetry(telemetry, upstreams, io.gatehouse.routes.MeshIdentity.DEFAULT_TRUST_DOMAIN);
  }

  /** The same, endpoints' workload identities taken in the mesh's {@code trustDomain}. */
  public synchronized void telemetry(Telemetry telemetry, Collection<Upstream> upstreams, String trustDomain) {
    if (gatehouse && !telemetry.metrics().gatehouse()) {
      byRoute.clear();
      registry.getMeters().stream()
          .filter(m -> m.getId().getName().equals("gatehouse.requests") || m.getId().getName().equals("gatehouse.request.duration"))
          .forEach(registry::remove);
    }
    gatehouse = telemetry.metrics().gatehouse();
    IstioMetrics current = istio;
    if (current != null && (!telemetry.metrics().istio() || !telemetry.workload().equals(workload))) {
      istio = null;
      current.remove();
      current = null;
    }
    if (telemetry.metrics().istio()) {
      if (current == null) {
        current = IstioMetrics.start(registry, telemetry.workload(), env);
        workload = telemetry.workload();
      }
      current.upstreams(upstreams, trustDomain);
      istio = current;
    }
  }

  /** Istio's standard metrics, or null while that family is off. */
  public IstioMetrics istio() {
    return istio;
  }

  /** Records one finished request (nothing while the {@code gatehouse} family is off). */
  public void request(String route, String upstream, int status, long durationNanos) {
    if (!gatehouse) {
      return;
    }
    Map<String, RouteMeters> byUpstream = byRoute.computeIfAbsent(route, r -> new ConcurrentHashMap<>());
    RouteMeters meters = byUpstream.get(upstream); // found: no capturing lambda made per request
    if (meters == null) {
      meters = byUpstream.computeIfAbsent(upstream, u -> new RouteMeters(route, u));
    }
    meters.record(status, durationNanos);
  }

  /**
   * Requests per route and upstream since start (or since the family was turned back on): all, 5xx,
   * and the latency histogram summed over status classes, for the dashboard. Reads the meters;
   * called about once a second per open dashboard, never on the data path.
   */
  public List<TrafficView> traffic() {
    List<TrafficView> out = new ArrayList<>();
    byRoute.values().forEach(m -> m.values().forEach(r -> out.add(r.view())));
    return out;
  }

  /** Connections open now, by listener. */
  public Map<String, Long> connectionCounts() {
    Map<String, Long> out = new java.util.TreeMap<>();
    connections.forEach((listener, count) -> out.put(listener, count.get()));
    return out;
  }

  /** Egress decisions counted so far ({@code gatehouse.egress.requests}), by destination, decision and reason. */
  public List<EgressView> egress() {
    List<EgressView> out = new ArrayList<>();
    for (Counter c : registry.find("gatehouse.egress.requests").counters()) {
      Meter.Id id = c.getId();
      out.add(new EgressView(id.getTag("destination"), "allow".equals(id.getTag("decision")), id.getTag("reason"),
          (long) c.count()));
    }
    return out;
  }

  /** The live count of connections open on {@code listener}. */
  public AtomicLong connections(String listener) {
    return connections.computeIfAbsent(listener, l -> registry.gauge("gatehouse.connections.active",
        io.micrometer.core.instrument.Tags.of("listener", l), new AtomicLong()));
  }

  /**
   * Sets {@code gatehouse.tls.certificate.expiry} (Unix seconds of notAfter) for every served
   * certificate, by listener, file and subject; certificates no longer served disappear.
   */
  public void certificates(Map<String, List<CertificateInfo>> byListener) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    byListener.forEach((listener, infos) -> infos.forEach(info -> rows.add(MultiGauge.Row.of(
        Tags.of("listener", listener, "file", info.file(), "subject", info.subject()),
        info.notAfter().getEpochSecond()))));
    certificateExpiry.register(rows, true);
  }

  /**
   * Exposes the config store's version and failure count. Micrometer holds a function counter's
   * object weakly: a lambda or method reference held by nothing else is collected at the next GC
   * and the counter reads 0 from then on, so this class keeps {@code failures} itself.
   */
  public void config(LongSupplier version, LongSupplier failures) {
    io.micrometer.core.instrument.Gauge.builder("gatehouse.config.version", version::getAsLong)
        .description("version of the serving config").register(registry);
    configFailures = failures; // a FunctionCounter holds its object weakly: after a GC it read 0
    io.micrometer.core.instrument.FunctionCounter.builder("gatehouse.config.reload.failures", failures,
        LongSupplier::getAsLong).description("configs rejected since start").register(registry);
  }

  /**
   * Points the upstream gauges at the clients of the snapshot just installed: endpoint health and
   * ejection, tries in flight and pending per upstream. Rows of retired upstreams and endpoints
   * go away. Called by the config writer after each install.
   */
  public void upstreams(Collection<UpstreamClient> clients) {
    List<MultiGauge.Row<?>> healthy = new ArrayList<>();
    List<MultiGauge.Row<?>> ejected = new ArrayList<>();
    List<MultiGauge.Row<?>> active = new ArrayList<>();
    List<MultiGauge.Row<?>> pending = new ArrayList<>();
    IstioMetrics mesh = istio;
    for (UpstreamClient client : clients) {
      if (mesh != null) {
        mesh.endpoints(client.name(), client.endpoints());
      }
      Tags upstream = Tags.of("upstream", client.name());
      active.add(MultiGauge.Row.of(upstream, client, UpstreamClient::activeRequests));
      pending.add(MultiGauge.Row.of(upstream, client, UpstreamClient::pendingRequests));
      for (EndpointState endpoint : client.endpoints()) {
        Tags tags = upstream.and("endpoint", endpoint.label());
        healthy.add(MultiGauge.Row.of(tags, endpoint, e -> e.healthy() ? 1 : 0));
        ejected.add(MultiGauge.Row.of(tags, endpoint, e -> e.ejected(System.nanoTime()) ? 1 : 0));
      }
    }
    synchronized (upstreamGauges) {
      if (upstreamGauges.isEmpty()) {
        upstreamGauges.add(MultiGauge.builder("gatehouse.upstream.endpoint.healthy")
            .description("1 while the endpoint passes its active health checks (always 1 without them)").register(registry));
        upstreamGauges.add(MultiGauge.builder("gatehouse.upstream.endpoint.ejected")
            .description("1 while outlier detection has the endpoint ejected").register(registry));
        upstreamGauges.add(MultiGauge.builder("gatehouse.upstream.requests.active")
            .description("tries in flight to the upstream, waiting for a connection included").register(registry));
        upstreamGauges.add(MultiGauge.builder("gatehouse.upstream.requests.pending")
            .description("tries waiting for a connection to the upstream").register(registry));
      }
      upstreamGauges.get(0).register(healthy, true);
      upstreamGauges.get(1).register(ejected, true);
      upstreamGauges.get(2).register(active, true);
      upstreamGauges.get(3).register(pending, true);
    }
  }

  /** 1 while config source {@code source} has no error (fetch or rejected change), else 0: degraded mode shows. */
  public void source(String source, java.util.function.BooleanSupplier healthy) {
    io.micrometer.core.instrument.Gauge.builder("gatehouse.config.source.healthy", () -> healthy.getAsBoolean() ? 1 : 0)
        .tag("source", source).description("1 while the config source has no error").register(registry);
  }

  /**
   * An xDS source's meters: {@code gatehouse_xds_connected} (1 while its ADS stream is up) and, per
   * resource type ({@code lds}, {@code rds}, {@code cds}, {@code eds}, {@code sds}), the answers it
   * accepted ({@code gatehouse_xds_updates_total}) and refused ({@code gatehouse_xds_nacks_total}).
   */
  public void xds(io.gatehouse.admin.source.xds.XdsSource source) {
    io.micrometer.core.instrument.Gauge.builder("gatehouse.xds.connected", () -> source.connected() ? 1 : 0)
        .tag("source", source.name()).description("1 while the xDS stream to the control plane is up").register(registry);
    for (String type : io.gatehouse.admin.source.xds.XdsSource.typeTags()) {
      io.micrometer.core.instrument.FunctionCounter.builder("gatehouse.xds.updates", source, s -> s.updates(type))
          .tags("source", source.name(), "type", type).description("xDS answers accepted (ACK)").register(registry);
      io.micrometer.core.instrument.FunctionCounter.builder("gatehouse.xds.nacks", source, s -> s.nacks(type))
          .tags("source", source.name(), "type", type).description("xDS answers refused (NACK)").register(registry);
    }
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

    /** The counts so far, latency buckets summed over status classes (every timer has the same buckets). */
    synchronized TrafficView view() {
      long requests = 0;
      double[] bounds = new double[0];
      long[] counts = new long[0];
      for (int c = 0; c < timers.length; c++) {
        if (timers[c] == null) {
          continue;
        }
        requests += (long) counters[c].count();
        CountAtBucket[] buckets = timers[c].takeSnapshot().histogramCounts();
        if (bounds.length == 0) {
          bounds = new double[buckets.length];
          counts = new long[buckets.length];
          for (int i = 0; i < buckets.length; i++) {
            bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
          }
        }
        for (int i = 0; i < Math.min(buckets.length, counts.length); i++) {
          counts[i] += (long) buckets[i].count();
        }
      }
      long errors = counters[5] == null ? 0 : (long) counters[5].count();
      return new TrafficView(route, upstream, requests, errors, bounds, counts);
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
