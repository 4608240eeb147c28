package io.gatehouse.gateway.upstream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The counters one upstream's resilience parts increment, all {@code gatehouse.upstream.*} and
 * tagged {@code upstream} (and {@code endpoint} for ejections). Micrometer hands back the same
 * counter for the same name and tags, so a client rebuilt by a reload keeps counting on.
 * Gauges of live state are registered per snapshot by {@code GatewayMetrics}.
 */
final class UpstreamMeters {
  private final MeterRegistry registry;
  private final String upstream;
  private final Counter retries;
  private final Counter budgetExhausted;
  private final Counter overflowRequests;
  private final Counter overflowPending;
  private final Map<String, Counter> ejections = new ConcurrentHashMap<>();
  private final Map<String, Counter> healthFailures = new ConcurrentHashMap<>();

  UpstreamMeters(MeterRegistry registry, String upstream) {
    this.registry = registry;
    this.upstream = upstream;
    this.retries = Counter.builder("gatehouse.upstream.retries").description("retries made (tries after the first)")
        .tag("upstream", upstream).register(registry);
    this.budgetExhausted = Counter.builder("gatehouse.upstream.retry.budget.exhausted")
        .description("retries not made because the upstream's retry budget was spent")
        .tag("upstream", upstream).register(registry);
    this.overflowRequests = overflow("requests");
    this.overflowPending = overflow("pending");
  }

  private Counter overflow(String limit) {
    return Counter.builder("gatehouse.upstream.overflows").description("requests refused by the circuit breaker (503 overflow)")
        .tags("upstream", upstream, "limit", limit).register(registry);
  }

  void retried() {
    retries.increment();
  }

  void budgetExhausted() {
    budgetExhausted.increment();
  }

  void overflowed(boolean pending) {
    (pending ? overflowPending : overflowRequests).increment();
  }

  void ejected(EndpointState endpoint) {
    ejections.computeIfAbsent(endpoint.label(), e -> Counter.builder("gatehouse.upstream.ejections")
        .description("endpoints ejected by outlier detection").tags("upstream", upstream, "endpoint", e)
        .register(registry)).increment();
  }

  void healthCheckFailed(EndpointState endpoint) {
    healthFailures.computeIfAbsent(endpoint.label(), e -> Counter.builder("gatehouse.upstream.health.check.failures")
        .description("active health checks that failed").tags("upstream", upstream, "endpoint", e)
        .register(registry)).increment();
  }
}
