package io.gatehouse.gateway.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Meters of the raw-TCP side: egress decisions ({@code gatehouse.egress.requests} by destination,
 * decision and reason), open tunnels and their bytes by listener and direction, and passthrough
 * connections by decision and reason. Destinations are allow-list entry names (or
 * {@code unlisted}), never client-chosen host names, so the tag's values stay bounded.
 */
public final class TunnelMetrics {
  /** The destination tag of a denial no entry was involved in. */
  public static final String UNLISTED = "unlisted";

  private final MeterRegistry registry;
  private final Supplier<IstioMetrics> istio;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> active = new ConcurrentHashMap<>();

  /** {@code istio}: Istio's metrics while that family is on, else null. */
  public TunnelMetrics(MeterRegistry registry, Supplier<IstioMetrics> istio) {
    this.registry = registry;
    this.istio = istio;
  }

  /** Counts one egress decision; {@code reason} is {@code allowed} or the denial's reason word. */
  public void egress(String destination, boolean allowed, String reason) {
    String d = destination.isEmpty() ? UNLISTED : destination;
    counter("gatehouse.egress.requests", "egress requests by final decision",
        Tags.of("destination", d, "decision", allowed ? "allow" : "deny", "reason", reason)).increment();
  }

  /** Counts one TLS passthrough connection: {@code routed}, or why it was closed ({@code unknown_sni}, ...). */
  public void passthrough(String listener, String outcome) {
    counter("gatehouse.passthrough.connections", "TLS passthrough connections by outcome",
        Tags.of("listener", listener, "outcome", outcome)).increment();
  }

  /** Counts one TCP listener connection: {@code routed}, or why it was closed ({@code no_route}, ...). */
  public void tcp(String listener, String outcome) {
    counter("gatehouse.tcp.connections", "TCP listener connections by outcome",
        Tags.of("listener", listener, "outcome", outcome)).increment();
  }

  /**
   * A tunnel to {@code destination} (an upstream, or an egress allow-list entry) starts relaying:
   * Istio's {@code istio_tcp_connections_opened_total}.
   */
  public void opened(String destination) {
    IstioMetrics mesh = istio.get();
    if (mesh != null) {
      mesh.tcp(destination).opened();
    }
  }

  /**
   * A tunnel ended: its bytes by listener ({@code toUpstream} is client to destination) and, for
   * Istio, the closed connection and its bytes by destination.
   */
  public void ended(String listener, String destination, long toUpstream, long toClient) {
    IstioMetrics mesh = istio.get();
    if (mesh != null) {
      mesh.tcp(destination).closed(toUpstream, toClient);
    }
    bytes(listener, toUpstream, toClient);
  }

  /**
   * Adds a finished tunnel's bytes by listener only: a WebSocket's, which Istio counts as the
   * HTTP request it upgraded, not as a TCP connection.
   */
  public void bytes(String listener, long toUpstream, long toClient) {
    counter("gatehouse.tunnel.bytes", "bytes relayed through tunnels",
        Tags.of("listener", listener, "direction", "upstream")).increment(toUpstream);
    counter("gatehouse.tunnel.bytes", "bytes relayed through tunnels",
        Tags.of("listener", listener, "direction", "downstream")).increment(toClient);
  }

  /**
   * Counts a WebSocket tunnel the gateway closed at one of its limits ({@code limit}:
   * {@code tunnel_idle_timeout}, {@code tunnel_max_duration}) in {@code gatehouse.limit.rejected},
   * with the other limits.
   */
  public void limitReached(String listener, String route, String limit) {
    counter("gatehouse.limit.rejected", "requests or connections refused by a limit",
        Tags.of("listener", listener, "route", route, "limit", limit)).increment();
  }

  /** The live count of open tunnels on {@code listener} (CONNECT, passthrough or WebSocket), shared by its event loops. */
  public AtomicLong active(String listener) {
    return active.computeIfAbsent(listener, l -> registry.gauge("gatehouse.tunnels.active", Tags.of("listener", l), new AtomicLong()));
  }

  private Counter counter(String name, String description, Tags tags) {
    String key = name + tags;
    Counter c = counters.get(key);
    return c != null ? c : counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(registry));
  }
}
