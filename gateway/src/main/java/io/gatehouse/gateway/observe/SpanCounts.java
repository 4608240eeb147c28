package io.gatehouse.gateway.observe;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;

/**
 * Reads the tracing SDK's own counters when Micrometer asks: spans the batch processor dropped
 * because its queue was full ({@code processedSpans{dropped=true}}), and spans the OTLP exporter
 * sent or failed to send ({@code otlp.exporter.exported{success}}). Nothing is read on the data path.
 */
final class SpanCounts implements MetricReader {
  private static final AttributeKey<Boolean> DROPPED = AttributeKey.booleanKey("dropped");
  private static final AttributeKey<Boolean> SUCCESS = AttributeKey.booleanKey("success");

  private volatile CollectionRegistration registration = CollectionRegistration.noop();

  @Override public void register(CollectionRegistration registration) {
    this.registration = registration;
  }

  /** Spans dropped because the export queue was full. */
  long dropped() {
    return sum("processedSpans", DROPPED, true);
  }

  /** Spans the collector accepted ({@code true}) or that failed to export ({@code false}). */
  long exported(boolean success) {
    return sum("otlp.exporter.exported", SUCCESS, success);
  }

  private long sum(String name, AttributeKey<Boolean> key, boolean value) {
    long total = 0;
    for (MetricData metric : registration.collectAllMetrics()) {
      if (!metric.getName().equals(name)) {
        continue;
      }
      for (LongPointData point : metric.getLongSumData().getPoints()) {
        if (Boolean.valueOf(value).equals(point.getAttributes().get(key))) {
          total += point.getValue();
        }
      }
    }
    return total;
  }

  @Override public AggregationTemporality getAggregationTemporality(InstrumentType type) {
    return AggregationTemporality.CUMULATIVE;
  }

  @Override public CompletableResultCode forceFlush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
