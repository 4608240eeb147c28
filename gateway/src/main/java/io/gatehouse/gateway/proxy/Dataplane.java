package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.auth.AuthState;
import io.gatehouse.gateway.filter.RouteFilters;
import io.gatehouse.gateway.mesh.MeshIdentities;
import io.gatehouse.gateway.observe.Traces;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.upstream.SessionCookies;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * The one mutable reference on the data path. Readers call {@link #current()} once per request;
 * the single config writer calls {@link #install}. Readers see the old or the new snapshot,
 * never a mix; requests in flight finish on the snapshot they started with.
 */
public final class Dataplane {
  private static final Logger LOG = Logger.getLogger(Dataplane.class.getName());

  private final Vertx vertx;
  private final Duration drainTimeout;
  private final MeterRegistry registry;
  private final RouteFilters filters;
  private final TunnelMetrics tunnels;
  private final AuthState auth;
  private final MeshIdentities identities;
  private volatile Snapshot current = Snapshot.empty();
  private volatile boolean draining;

  /**
   * {@code tunnels}: the one set of tunnel meters (its gauges hold their counts), for WebSocket tunnels too;
   * {@code sessionCookies}: the key sealing sticky-session cookies (the gateway's, from its state directory).
   */
  public Dataplane(Vertx vertx, Duration drainTimeout, MeterRegistry registry, TunnelMetrics tunnels,
                   SessionCookies sessionCookies) {
    this.vertx = vertx;
    this.drainTimeout = drainTimeout;
    this.registry = registry;
    this.filters = RouteFilters.start(vertx, registry, sessionCookies);
    this.auth = AuthState.start(vertx, registry);
    this.identities = new MeshIdentities(vertx, registry);
    this.tunnels = tunnels;
  }

  /** The meters of every tunnel (CONNECT, passthrough, WebSocket): one instance, as its gauges hold their counts. */
  public TunnelMetrics tunnels() {
    return tunnels;
  }

  /**
   * Whether the gateway is draining, its one draining flag: readiness turns false and HTTP/1.1
   * responses carry {@code Connection: close}.
   */
  public boolean draining() {
    return draining;
  }

  /** Marks the start of a drain (one way). */
  public void startDraining() {
    draining = true;
  }

  public Snapshot current() {
    return current;
  }

  /** Compiles {@code config} aside, reusing the current snapshot's unchanged upstream clients; throws if it cannot. */
  public Snapshot compile(io.gatehouse.routes.GatewayConfig config, long version) {
    return Snapshot.compile(vertx, registry, config, version, current, filters, auth.compile(config.security()), tunnels,
        identities.forConfig(config.meshIdentity()));
  }

  /** Reads the JWKS files of the serving config again (a watched file changed; the config did not). */
  public void refreshKeys(io.gatehouse.routes.auth.Security security) {
    auth.refresh(security);
  }

  /** Swaps {@code next} in (one volatile write) and retires what the previous snapshot alone used. */
  public void install(Snapshot next) {
    Snapshot previous = current;
    current = next;
    retire(previous, next);
    auth.retain(next.config().security());
    identities.retain(next.config().meshIdentity());
  }

  /** The gateway's workload identity (the serving config's {@code meshIdentity}). */
  public MeshIdentities identities() {
    return identities;
  }

  /** Drops a compiled snapshot that will not be installed, closing the clients it alone created. */
  public void discard(Snapshot unused) {
    retire(unused, current);
  }

  /**
   * Retires the clients of {@code old} that {@code kept} does not use: they close once what is in
   * flight on them has ended (long-lived streams and tunnels included), then within the drain timeout.
   */
  private void retire(Snapshot old, Snapshot kept) {
    for (UpstreamClient client : old.upstreams().values()) {
      if (kept.upstreams().get(client.name()) != client) {
        client.retire(drainTimeout).onFailure(e -> LOG.warning("closing upstream " + client.name() + ": " + e));
      }
    }
    Traces traces = old.traces();
    if (traces != null && kept.traces() != traces) {
      // Requests in flight may still end spans: export what they finish, then stop (off the event loop).
      vertx.setTimer(Math.max(1, drainTimeout.toMillis()), id -> vertx.executeBlocking(() -> {
        traces.close();
        return null;
      }, false));
    }
  }
}
