package io.gatehouse.gateway.observe;

import io.gatehouse.routes.Telemetry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URI;
import java.util.ArrayList;
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
    this.provider = SdkTracerProvider.builder()
        .setResource(resource)
        .setSampler(Sampler.parentBased(new RouteSampler(config.samplingPercent(), routeSampling)))
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
        case B3 -> B3Propagator.injectingSingleHeader();
        case B3_MULTI -> B3Propagator.injectingMultiHeaders();
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

  public TextMapPropagator propagator() {
    return propagator;
  }

  /** Exports what is queued (waiting up to the export timeout), then stops; call it off the event loops. */
  @Override public void close() {
    counters.forEach(registry::remove);
    provider.shutdown().join(config.exportTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
    sdkMeters.shutdown();
    LOG.fine(() -> "tracing to " + config.endpoint() + " stopped");
  }
}
