package io.gatehouse.gateway.proxy;

import io.gatehouse.certs.mesh.WorkloadIdentity;
import io.gatehouse.gateway.auth.Guard;
import io.gatehouse.gateway.filter.RouteFilters;
import io.gatehouse.gateway.observe.Traces;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.Telemetry;
import io.gatehouse.routes.egress.AllowList;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.table.RouteTable;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One installed config, compiled: its version, a route table of ready-built stages per listener
 * (a route bound to some listeners is in their tables only; listeners with the same routes share
 * one table) and the live upstream clients. Immutable once built; a request uses the snapshot it
 * started with to the end.
 */
public final class Snapshot {
  private final long version;
  private final GatewayConfig config;
  private final PerListener<Stage> routes;
  private final Map<String, UpstreamClient> upstreams;
  private final AllowList egress;
  private final PerListener<Route> passthrough;
  /** Per TCP listener, the one route that names it. */
  private final Map<String, Route> tcp;
  private final Traces traces;
  private final WorkloadIdentity identity;

  private Snapshot(long version, GatewayConfig config, PerListener<Stage> routes, Map<String, UpstreamClient> upstreams,
                   Traces traces, WorkloadIdentity identity) {
    this.version = version;
    this.identity = identity;
    this.traces = traces;
    this.config = config;
    this.routes = routes;
    this.upstreams = Map.copyOf(upstreams);
    this.egress = AllowList.compile(config.egress());
    this.passthrough = PerListener.compile(config, (route, match) -> route, null);
    Map<String, Route> tcpRoutes = new java.util.HashMap<>();
    for (io.gatehouse.routes.Listener l : config.listeners()) {
      if (l.protocol() == io.gatehouse.routes.Listener.Protocol.TCP) {
        config.routes().stream().filter(r -> r.listeners().contains(l.name())).findFirst()
            .ifPresent(r -> tcpRoutes.put(l.name(), r));
      }
    }
    this.tcp = Map.copyOf(tcpRoutes);
  }

  /**
   * A table per listener name, and one for any other name (the routes bound to every listener).
   * Tables are compiled once per distinct set of routes, as they serve on the listener (a route
   * that sets no compression takes its listener's, so listeners with different defaults get
   * their own tables).
   */
  private record PerListener<T>(Map<String, RouteTable<T>> byListener, RouteTable<T> unbound) {
    static <T> PerListener<T> compile(GatewayConfig config, BiFunction<Route, RequestMatch, T> build, T noRoute) {
      Map<List<Route>, RouteTable<T>> compiled = new HashMap<>();
      Function<List<Route>, RouteTable<T>> table = routes -> compiled.computeIfAbsent(routes,
          r -> RouteTable.compile(r, build, noRoute));
      Map<String, RouteTable<T>> byListener = new HashMap<>();
      for (Listener listener : config.listeners()) {
        byListener.put(listener.name(), table.apply(config.routes().stream().filter(r -> r.servesOn(listener.name()))
            .map(r -> onListener(r, listener)).toList()));
      }
      RouteTable<T> unbound = table.apply(config.routes().stream().filter(r -> r.listeners().isEmpty()).toList());
      return new PerListener<>(Map.copyOf(byListener), unbound);
    }

    /** The route as it serves on {@code listener}: with the listener's compression unless it sets its own. */
    private static Route onListener(Route route, Listener listener) {
      return route.compression().inherit() ? route.withCompression(listener.compression()) : route;
    }

    RouteTable<T> of(String listener) {
      RouteTable<T> table = byListener.get(listener);
      return table != null ? table : unbound;
    }
  }

  /**
   * Compiles {@code config}. Upstreams whose config equals one in {@code previous} keep its live
   * client (and warm connections); others get a new client. The route policies' long-lived
   * state (buckets, Redis clients, meters) comes from {@code filters}, and {@code tunnels}, so a reload keeps it;
   * {@code guard} (authentication and authorization) runs in front of every route; mesh upstreams
   * present {@code identity} (null: the config has no {@code meshIdentity}). Runs
   * on the config writer thread.
   */
  public static Snapshot compile(Vertx vertx, MeterRegistry registry, GatewayConfig config, long version, Snapshot previous,
                                 RouteFilters filters, Guard guard, TunnelMetrics tunnels, WorkloadIdentity identity) {
    Traces traces = null;
    Map<String, UpstreamClient> clients = new HashMap<>();
    try {
      for (Upstream upstream : config.upstreams()) {
        UpstreamClient reused = previous == null ? null : previous.upstreams.get(upstream.name());
        clients.put(upstream.name(), reused != null && reused.serves(upstream, identity)
            ? reused : UpstreamClient.start(vertx, upstream, registry, identity));
      }
      Stage noRoute = guard.isNone() ? Pipelines.noRoute() : guard.filter().wrap(Pipelines.noRoute());
      PerListener<Stage> tables = PerListener.compile(config, new Pipelines(vertx, clients, filters, guard, tunnels)::build, noRoute);
      traces = traces(config, previous, registry);
      return new Snapshot(version, config, tables, clients, traces, identity);
    } catch (RuntimeException e) {
      // Close what this failed compile created; the previous snapshot's clients stay.
      clients.values().stream().filter(c -> previous == null || previous.upstreams.get(c.name()) != c)
          .forEach(c -> c.close(java.time.Duration.ZERO));
      if (traces != null && (previous == null || previous.traces != traces)) {
        traces.close();
      }
      throw e;
    }
  }

  /** The previous snapshot's tracing if its settings are unchanged, a new one if tracing is on, else null. */
  private static Traces traces(GatewayConfig config, Snapshot previous, MeterRegistry registry) {
    Telemetry.Tracing settings = config.telemetry().tracing();
    if (!settings.enabled()) {
      return null;
    }
    Map<String, Double> routeSampling = new HashMap<>();
    config.routes().forEach(r -> r.tracing().samplingPercent().ifPresent(p -> routeSampling.put(r.name(), p)));
    if (previous != null && previous.traces != null && previous.traces.builtFrom(settings, routeSampling)) {
      return previous.traces;
    }
    return Traces.start(settings, routeSampling, registry);
  }

  /** An empty snapshot: every request gets 404. */
  static Snapshot empty() {
    return new Snapshot(0, GatewayConfig.EMPTY, PerListener.compile(GatewayConfig.EMPTY, (r, m) -> null, Pipelines.noRoute()),
        Map.of(), null, null);
  }

  /** The gateway's SPIFFE id for this snapshot's config ("" without a meshIdentity or before its first certificate). */
  public String spiffeId() {
    return identity == null ? "" : identity.spiffeId();
  }

  public long version() {
    return version;
  }

  public GatewayConfig config() {
    return config;
  }

  /** The routes that serve on the listener named {@code listener}, compiled. */
  public RouteTable<Stage> routes(String listener) {
    return routes.of(listener);
  }

  public Map<String, UpstreamClient> upstreams() {
    return upstreams;
  }

  /** The compiled {@code egress} allow-list. */
  public AllowList egress() {
    return egress;
  }

  /** The tracing of requests served by this snapshot, or null when tracing is off. */
  public Traces traces() {
    return traces;
  }

  /** The route a TCP listener forwards its connections to: the first that names it in {@code listeners}. */
  public java.util.Optional<Route> tcpRoute(String listener) {
    return java.util.Optional.ofNullable(tcp.get(listener));
  }

  /** The routes by host, for TLS_PASSTHROUGH listeners to pick an upstream by SNI; null when none matches. */
  public RouteTable<Route> passthrough(String listener) {
    return passthrough.of(listener);
  }
}
