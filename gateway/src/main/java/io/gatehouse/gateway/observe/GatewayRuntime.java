package io.gatehouse.gateway.observe;

import io.gatehouse.admin.ClusterView;
import io.gatehouse.admin.EgressView;
import io.gatehouse.admin.TrafficView;
import io.gatehouse.gateway.upstream.EndpointState;
import io.gatehouse.admin.RuntimeView;
import io.gatehouse.gateway.proxy.Dataplane;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The data plane as the admin server sees it: readiness (started, not draining, the one
 * draining flag being {@link Dataplane#draining()}, and no event loop blocked), metrics, and the
 * live upstreams of the serving snapshot with each endpoint's health as the balancer sees it.
 * {@link #drain()} runs what the gateway gave it.
 */
public final class GatewayRuntime implements RuntimeView {
  private final Dataplane dataplane;
  private final GatewayMetrics metrics;
  private final Runnable drain;
  private final BooleanSupplier loopBlocked;
  private volatile boolean started;

  /**
   * {@code drain}: the gateway's drain, which blocks until requests in flight are done;
   * {@code loopBlocked}: whether the watchdog sees an event loop blocked right now.
   */
  public GatewayRuntime(Dataplane dataplane, GatewayMetrics metrics, Runnable drain, BooleanSupplier loopBlocked) {
    this.dataplane = dataplane;
    this.metrics = metrics;
    this.drain = drain;
    this.loopBlocked = loopBlocked;
  }

  /** Marks the gateway as serving (its first config is in and the admin server is up) or as stopping. */
  public void started(boolean serving) {
    this.started = serving;
  }

  @Override public boolean ready() {
    return started && !dataplane.draining() && !loopBlocked.getAsBoolean();
  }

  @Override public String scrapeMetrics() {
    return metrics.scrape();
  }

  @Override public java.util.Optional<io.gatehouse.certs.mesh.IdentityStatus> meshIdentity() {
    return dataplane.identities().serving().map(io.gatehouse.certs.mesh.WorkloadIdentity::status);
  }

  @Override public List<ClusterView> clusters() {
    return dataplane.current().upstreams().values().stream()
        .sorted(Comparator.comparing(c -> c.name()))
        .map(c -> new ClusterView(c.name(), c.config().loadBalancer().name(), c.endpoints().stream()
            .map(e -> new ClusterView.Endpoint(e.label(), health(e), e.inFlight())).toList()))
        .toList();
  }

  private static String health(EndpointState endpoint) {
    if (!endpoint.healthy()) {
      return "UNHEALTHY";
    }
    return endpoint.ejected(System.nanoTime()) ? "EJECTED" : "HEALTHY";
  }

  @Override public List<TrafficView> traffic() {
    return metrics.traffic();
  }

  @Override public List<EgressView> egress() {
    return metrics.egress();
  }

  @Override public Map<String, Long> connections() {
    return metrics.connectionCounts();
  }

  @Override public Map<String, Double> stats() {
    return metrics.stats();
  }

  @Override public void drain() {
    drain.run();
  }
}
