package io.gatehouse.gateway.observe;

import io.gatehouse.routes.Telemetry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The gateway's tracing, built from one config's {@code telemetry.tracing} with the OpenTelemetry
 * SDK: a parent-based sampler (a route may set its own ratio), trace context read and written in
 * the configured formats, and spans exported over OTLP by a batch processor on its own thread.
 * Ending a span only offers it to the processor's bounded queue: when the collector is slow or
 * gone, spans are dropped and counted ({@code gatehouse.tracing.spans{result=dropped}}), and no
 * event loop ever waits. A reload keeps the instance while the settings are unchanged.
 *
 * <p>A request's sampling is decided once, by {@link #sampled} (the SDK's own sampler, asked
 * directly): an unsampled request then needs no span from the SDK at all, only ids to propagate.
 * A sampled one gets its spans from the SDK, whose sampler decides the same way (the same parent,
 * trace id and route); for a new trace {@link #startServer} hands the SDK the trace id that was
 * sampled.
 */
public final class Traces implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Traces.class.getName());
  /** Export in batches of up to 512 spans, at least every second. */
  private static final int BATCH = 512;

  private final Telemetry.Tracing config;
  private final Map<String, Double> routeSampling;
  private final SdkTracerProvider provider;
  private final SdkMeterProvider sdkMeters;
  private final Tracer tracer;
  private final Sampler sampler;
  /** What {@link #sampler} asks for a request without a parent. */
  private final RouteSampler routeSampler;
  private final Ids ids = new Ids();
  /** What the sampler reads of a route, per route with its own ratio (the others use the default ratio). */
  private final Map<String, Attributes> routeAttributes = new HashMap<>();
  private final TextMapPropagator propagator;
  private final List<FunctionCounter> counters = new ArrayList<>(3);
  private final MeterRegistry registry;

  private Traces(Telemetry.Tracing config, Map<String, Double> routeSampling, MeterRegistry registry) {
    this.config = config;
    this.routeSampling = routeSampling;
    this.registry = registry;
    SpanCounts counts = new SpanCounts();
    this.sdkMeters = SdkMeterProvider.builder().registerMetricReader(counts).build();
    SpanExporter exporter = exporter(config, sdkMeters);
    BatchSpanProcessor batches = BatchSpanProcessor.builder(exporter)
        .setMaxQueueSize(config.maxQueueSize())
        .setMaxExportBatchSize(Math.min(BATCH, config.maxQueueSize()))
        .setScheduleDelay(1, TimeUnit.SECONDS)
        .setExporterTimeout(config.exportTimeout())
        .setMeterProvider(sdkMeters)
        .build();
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), config.serviceName())));
    this.routeSampler = new RouteSampler(config.samplingPercent(), routeSampling);
    this.sampler = Sampler.parentBased(routeSampler);
    routeSampling.keySet().forEach(route -> routeAttributes.put(route, Attributes.of(RouteSampler.ROUTE, route)));
    this.provider = SdkTracerProvider.builder()
        .setResource(resource)
        .setSampler(sampler)
        .setIdGenerator(ids)
        .addSpanProcessor(batches)
        .build();
    this.tracer = provider.get("io.gatehouse.gateway");
    this.propagator = propagator(config.propagation());
    counters.add(counter("dropped", counts, c -> c.dropped()));
    counters.add(counter("exported", counts, c -> c.exported(true)));
    counters.add(counter("failed", counts, c -> c.exported(false)));
  }

  /**
   * Starts tracing with {@code config} (enabled), sampling each route in {@code routeSampling}
   * (route name to percent) at its own ratio.
   */
  public static Traces start(Telemetry.Tracing config, Map<String, Double> routeSampling, MeterRegistry registry) {
    return new Traces(config, Map.copyOf(routeSampling), registry);
  }

  private FunctionCounter counter(String result, SpanCounts counts, java.util.function.ToDoubleFunction<SpanCounts> f) {
    return FunctionCounter.builder("gatehouse.tracing.spans", counts, f)
        .description("spans by what became of them: exported, failed (the collector refused or was unreachable), dropped (queue full)")
        .tag("result", result).register(registry);
  }

  private static SpanExporter exporter(Telemetry.Tracing config, SdkMeterProvider meters) {
    if (config.protocol() == Telemetry.Tracing.Protocol.GRPC) {
      return OtlpGrpcSpanExporter.builder().setEndpoint(config.endpoint()).setTimeout(config.exportTimeout())
          .setMeterProvider(() -> meters).build();
    }
    String endpoint = config.endpoint();
    String path = URI.create(endpoint).getPath();
    if (path == null || path.isEmpty() || path.equals("/")) {
      endpoint = endpoint.replaceAll("/$", "") + "/v1/traces";
    }
    return OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setTimeout(config.exportTimeout())
        .setMeterProvider(() -> meters).build();
  }

  private static TextMapPropagator propagator(List<Telemetry.Tracing.Propagation> formats) {
    List<TextMapPropagator> out = new ArrayList<>();
    for (Telemetry.Tracing.Propagation p : formats) {
      out.add(switch (p) {
        case W3C -> W3CTraceContextPropagator.getInstance();
        case B3 -> new B3Present(B3Propagator.injectingSingleHeader());
        case B3_MULTI -> new B3Present(B3Propagator.injectingMultiHeaders());
      });
    }
    return TextMapPropagator.composite(out);
  }

  /** Whether this instance was built from these settings (a reload that keeps them keeps it). */
  public boolean builtFrom(Telemetry.Tracing config, Map<String, Double> routeSampling) {
    return this.config.equals(config) && this.routeSampling.equals(routeSampling);
  }

  public Tracer tracer() {
    return tracer;
  }

  /**
   * Whether a request's server span named {@code name} on {@code route} is sampled: a parent in
   * {@code parent} decides, else the route's ratio (or the default) by {@code traceId}. Allocates
   * nothing.
   */
  public boolean sampled(Context parent, String traceId, String name, String route) {
    Attributes attributes = routeAttributes.getOrDefault(route, Attributes.empty());
    // Without any context from the client the parent-based sampler asks the route's: skip its lookups.
    Sampler decides = parent == Context.root() ? routeSampler : sampler;
    return decides.shouldSample(parent, traceId, name, SpanKind.SERVER, attributes, List.of()).getDecision()
        != SamplingDecision.DROP;
  }

  /** A new random trace id (32 hex digits). */
  public String newTraceId() {
    return ids.random.generateTraceId();
  }

  /** A new random span id (16 hex digits). */
  public String newSpanId() {
    return ids.random.generateSpanId();
  }

  /**
   * Starts the server span of a request that {@link #sampled} sampled, with {@code traceId}: the
   * parent's, or for a new trace the one the decision was made on.
   */
  public Span startServer(Context parent, String traceId, String name, String route, long startEpochNanos) {
    ids.next.set(traceId); // read by the SDK only when the span has no parent, i.e. starts a trace
    try {
      return tracer.spanBuilder(name)
          .setParent(parent)
          .setSpanKind(SpanKind.SERVER)
          .setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS)
          .setAttribute(RouteSampler.ROUTE, route)
          .startSpan();
    } finally {
      ids.next.set(null);
    }
  }

  public TextMapPropagator propagator() {
    return propagator;
  }

  /**
   * B3, read only from a request that carries a B3 header ({@code b3} or {@code X-B3-TraceId}):
   * B3's multi-header reader builds a log message (a few hundred bytes) for every request without
   * {@code X-B3-TraceId}, whether or not its logger is on.
   */
  private record B3Present(TextMapPropagator b3) implements TextMapPropagator {
    @Override public Collection<String> fields() {
      return b3.fields();
    }

    @Override public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
      b3.inject(context, carrier, setter);
    }

    @Override public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
      if (carrier == null || getter.get(carrier, "b3") == null && getter.get(carrier, "X-B3-TraceId") == null) {
        return context;
      }
      return b3.extract(context, carrier, getter);
    }
  }

  /** The SDK's random ids, except that a new trace started by {@link #startServer} takes the id it was sampled on. */
  private static final class Ids implements IdGenerator {
    final IdGenerator random = IdGenerator.random();
    final ThreadLocal<String> next = new ThreadLocal<>();

    @Override public String generateSpanId() {
      return random.generateSpanId();
    }

    @Override public String generateTraceId() {
      String id = next.get();
      return id != null ? id : random.generateTraceId();
    }
  }

  /** Exports what is queued (waiting up to the export timeout), then stops; call it off the event loops. */
  @Override public void close() {
    counters.forEach(registry::remove);
    provider.shutdown().join(config.exportTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
    sdkMeters.shutdown();
    LOG.fine(() -> "tracing to " + config.endpoint() + " stopped");
  }
}
