package io.gatehouse.perf.gatling;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * What a simulation is pointed at and how hard it pushes, from system properties
 * ({@code mvn -pl perf gatling:test -Dgatehouse.baseUrl=...}). Every knob has a default that fits a
 * gateway started as perf/README.md shows, on one machine.
 */
final class RunSettings {
  private RunSettings() {}

  /** Plain HTTP listener, e.g. {@code http://127.0.0.1:8080}. */
  static String baseUrl() {
    return text("gatehouse.baseUrl", "http://127.0.0.1:8080");
  }

  /** HTTPS listener, e.g. {@code https://127.0.0.1:8443}; its certificates must cover {@link #sniNames()}. */
  static String httpsUrl() {
    return text("gatehouse.httpsUrl", "https://127.0.0.1:8443");
  }

  /** SNI names to spread HTTPS requests over; each resolves to the host of {@link #httpsUrl()}. */
  static List<String> sniNames() {
    return Arrays.stream(text("gatehouse.sniNames", "a.bench.test,b.bench.test,c.bench.test").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /** Admin API, e.g. {@code http://127.0.0.1:9901}. */
  static String adminUrl() {
    return text("gatehouse.adminUrl", "http://127.0.0.1:9901");
  }

  /** Egress (forward proxy) listener as {@code host:port}. */
  static URI egressProxy() {
    return URI.create("proxy://" + text("gatehouse.egressProxy", "127.0.0.1:3128"));
  }

  /** A plain-HTTP destination the egress allow-list lets through (absolute-form requests). */
  static String egressHttpTarget() {
    return text("gatehouse.egressHttpTarget", "http://127.0.0.1:18080");
  }

  /** An HTTPS destination the egress allow-list lets through (reached with CONNECT). */
  static String egressTlsTarget() {
    return text("gatehouse.egressTlsTarget", "https://127.0.0.1:18443");
  }

  /** A destination the allow-list does NOT let through: must answer 403. */
  static String egressDeniedTarget() {
    return text("gatehouse.egressDeniedTarget", "http://denied.invalid/");
  }

  /** The upstream (by name) the config-churn routes forward to. */
  static String churnUpstream() {
    return text("gatehouse.upstream", "backend");
  }

  /** Path requested on the gateway (it must route somewhere that answers 2xx). */
  static String path() {
    return text("gatehouse.path", "/");
  }

  /** Requests per second the open-model scenarios offer (a moderate rate, not saturation). */
  static int rate() {
    return Integer.getInteger("rate", 200);
  }

  /** Concurrent users (connections) of the keep-alive scenarios. */
  static int users() {
    return Integer.getInteger("users", 16);
  }

  /**
   * Seconds of traffic before the measured phase ({@code -DwarmUpSeconds}, default 10), so JIT
   * compilation on both sides stays out of the asserted percentiles. Warm-up requests must not fail
   * either, but are named "warm-up" and left out of the p99 assertions.
   */
  static Duration warmUp() {
    return Duration.ofSeconds(Integer.getInteger("warmUpSeconds", 10));
  }

  /** How often each of {@link #users()} keep-alive users sends {@code requests} so that all together offer {@link #rate()}. */
  static Duration pace(int requests) {
    return Duration.ofMillis(Math.max(1, 1000L * users() * requests / rate()));
  }

  static Duration duration() {
    return Duration.ofSeconds(Integer.getInteger("durationSeconds", 30));
  }

  /** The p99 bound in milliseconds the run must stay under (per simulation default). */
  static int p99Millis(int byDefault) {
    return Integer.getInteger("p99Ms", byDefault);
  }

  private static String text(String name, String byDefault) {
    String value = System.getProperty(name, "");
    return value.isBlank() ? byDefault : value.trim();
  }
}
