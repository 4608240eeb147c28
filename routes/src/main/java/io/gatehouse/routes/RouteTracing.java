package io.gatehouse.routes;

import java.util.OptionalDouble;

/**
 * A route's own tracing settings: the percentage of new traces it samples, instead of
 * {@code telemetry.tracing.sampling} (a sampled or unsampled parent still decides for its children).
 */
public record RouteTracing(OptionalDouble samplingPercent) {
  public static final RouteTracing NONE = new RouteTracing(OptionalDouble.empty());
}
