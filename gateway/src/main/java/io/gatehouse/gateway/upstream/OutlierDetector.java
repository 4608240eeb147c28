package io.gatehouse.gateway.upstream;

import io.gatehouse.routes.OutlierDetection;
import java.time.Duration;

/**
 * Passive outlier detection for one upstream, with Envoy's consecutive-5xx semantics: each try's
 * outcome is reported; after {@code consecutiveErrors} failures in a row an endpoint is ejected
 * for {@code baseEjectionTime} × the number of times it has been ejected (capped at
 * {@link #MAX_EJECTION} or the base time, whichever is longer), unless {@code maxEjectionPercent}
 * of the endpoints are out already; the first ejection is always allowed. The multiplier drops by
 * one for each base time an endpoint stays in. Ejected endpoints return when their time is up,
 * or as soon as an active health check passes (Envoy's default,
 * {@code successful_active_health_check_uneject_host}).
 */
final class OutlierDetector {
  /** Envoy's default {@code max_ejection_time}. */
  static final Duration MAX_EJECTION = Duration.ofMinutes(5);

  private final OutlierDetection config;
  private final EndpointSet endpoints;
  private final UpstreamMeters meters;
  private final long baseNanos;
  private final long maxNanos;
  /** Per endpoint (same order as the set): times ejected, decayed; and when the last ejection ended. */
  private final int[] timesEjected;
  private final long[] lastReturnNanos;

  OutlierDetector(OutlierDetection config, EndpointSet endpoints, UpstreamMeters meters) {
    this.config = config;
    this.endpoints = endpoints;
    this.meters = meters;
    this.baseNanos = config.baseEjectionTime().toNanos();
    this.maxNanos = Math.max(baseNanos, MAX_EJECTION.toNanos());
    this.timesEjected = new int[endpoints.all().length];
    this.lastReturnNanos = new long[endpoints.all().length];
  }

  /** A try got an answer below 500: the endpoint's failure streak ends. */
  void succeeded(EndpointState endpoint) {
    if (config.enabled() && endpoint.consecutiveErrors.get() != 0) {
      endpoint.consecutiveErrors.set(0);
    }
  }

  /** A try got a 5xx, or failed locally (connect failure, reset, per-try timeout). */
  void failed(EndpointState endpoint) {
    if (config.enabled() && endpoint.consecutiveErrors.incrementAndGet() >= config.consecutiveErrors()) {
      eject(endpoint, System.nanoTime());
    }
  }

  /** An active health check passed: an ejected endpoint returns now. */
  void healthCheckPassed(EndpointState endpoint) {
    long now = System.nanoTime();
    if (endpoint.ejected(now)) {
      uneject(endpoint, now);
    }
  }

  private synchronized void uneject(EndpointState endpoint, long now) {
    EndpointState[] all = endpoints.all();
    for (int i = 0; i < all.length; i++) {
      if (all[i] == endpoint) {
        lastReturnNanos[i] = now;
      }
    }
    endpoint.ejectUntil(now);
    endpoints.changed();
  }

  /** Rare (once per streak), so a lock here costs nothing on the request path. */
  private synchronized void eject(EndpointState endpoint, long nowNanos) {
    if (endpoint.ejected(nowNanos)) {
      return;
    }
    EndpointState[] all = endpoints.all();
    int ejected = 0;
    int index = -1;
    for (int i = 0; i < all.length; i++) {
      if (all[i].ejected(nowNanos)) {
        ejected++;
      }
      if (all[i] == endpoint) {
        index = i;
      }
    }
    if (index < 0 || (ejected > 0 && ejected * 100L >= (long) config.maxEjectionPercent() * all.length)) {
      return;
    }
    endpoint.consecutiveErrors.set(0);
    int times = timesEjected[index];
    if (times > 0) {
      long stayedIn = nowNanos - lastReturnNanos[index];
      times = (int) Math.max(0, times - stayedIn / baseNanos);
    }
    times++;
    timesEjected[index] = times;
    long duration = times > maxNanos / baseNanos ? maxNanos : Math.min(maxNanos, baseNanos * times);
    endpoint.ejectUntil(nowNanos + duration);
    lastReturnNanos[index] = nowNanos + duration;
    endpoints.changed();
    meters.ejected(endpoint);
  }
}
