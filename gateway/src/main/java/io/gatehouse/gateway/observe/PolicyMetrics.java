package io.gatehouse.gateway.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counters of the route policies and listener limits: rate-limited requests, injected faults,
 * mirrored copies, requests and connections refused by a limit, and Redis errors of global rate
 * limits. Filters look their counters up once, when a snapshot is built.
 */
public final class PolicyMetrics {
  private final MeterRegistry registry;

  public PolicyMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Requests answered 429 by the route's rate limit. */
  public Counter rateLimited(String route) {
    return Counter.builder("gatehouse.ratelimit.rejected").description("requests refused by a rate limit (429)")
        .tag("route", route).register(registry);
  }

  /** Calls to a global rate limit's Redis that failed or timed out. */
  public Counter rateLimitErrors(String route) {
    return Counter.builder("gatehouse.ratelimit.errors").description("global rate limit checks that Redis did not answer")
        .tag("route", route).register(registry);
  }

  /** Faults injected on purpose; {@code fault} is delay or abort. */
  public Counter faults(String route, String fault) {
    return Counter.builder("gatehouse.fault.injected").description("faults injected (chaos testing)")
        .tags("route", route, "fault", fault).register(registry);
  }

  /** Mirrored copies; {@code result} is sent (the mirror answered), failed, or skipped (body too large to copy). */
  public Counter mirrored(String route, String upstream, String result) {
    return Counter.builder("gatehouse.mirror.requests").description("request copies sent to a mirror upstream")
        .tags("route", route, "upstream", upstream, "result", result).register(registry);
  }

  /**
   * Requests or connections refused by a limit: {@code body_size} (413, per route), or on a listener
   * {@code header_size} (431), {@code uri_length} (414), {@code header_timeout}, {@code connections}.
   */
  public Counter limitRejected(String listener, String route, String limit) {
    return Counter.builder("gatehouse.limit.rejected").description("requests or connections refused by a limit")
        .tags("listener", listener, "route", route, "limit", limit).register(registry);
  }
}
