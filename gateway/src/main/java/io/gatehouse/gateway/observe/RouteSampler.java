package io.gatehouse.gateway.observe;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples a new trace by its trace id at the ratio of the route that took the request (its
 * {@code gatehouse.route} attribute), or at the default ratio. Used under a parent-based sampler,
 * so only root spans (no sampled or unsampled parent) come here.
 */
public final class RouteSampler implements Sampler {
  public static final AttributeKey<String> ROUTE = AttributeKey.stringKey("gatehouse.route");

  private final Sampler fallback;
  private final Map<String, Sampler> byRoute = new HashMap<>();

  RouteSampler(double defaultPercent, Map<String, Double> routePercent) {
    this.fallback = Sampler.traceIdRatioBased(defaultPercent / 100);
    routePercent.forEach((route, percent) -> byRoute.put(route, Sampler.traceIdRatioBased(percent / 100)));
  }

  @Override public SamplingResult shouldSample(Context parent, String traceId, String name, SpanKind kind,
                                               Attributes attributes, List<LinkData> links) {
    String route = attributes.get(ROUTE);
    Sampler sampler = route == null ? fallback : byRoute.getOrDefault(route, fallback);
    return sampler.shouldSample(parent, traceId, name, kind, attributes, links);
  }

  @Override public String getDescription() {
    return "RouteSampler{" + fallback.getDescription() + ", routes=" + byRoute.keySet() + "}";
  }
}
