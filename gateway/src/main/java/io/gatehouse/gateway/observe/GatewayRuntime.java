package io.gatehouse.gateway.observe;

import io.gatehouse.admin.ClusterView;
import io.gatehouse.admin.RuntimeView;
import io.gatehouse.gateway.proxy.Dataplane;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The data plane as the admin server sees it: readiness (started and not draining, the one
 * draining flag being {@link Dataplane#draining()}), metrics, and the live upstreams of the
 * serving snapshot. {@link #drain()} runs what the gateway gave it.
 */
public final class GatewayRuntime implements RuntimeView {
  private final Dataplane dataplane;
  private final GatewayMetrics metrics;
  private final Runnable drain;
  private volatile boolean started;

  /** {@code drain}: the gateway's drain, which blocks until requests in flight are done. */
  public GatewayRuntime(Dataplane dataplane, GatewayMetrics metrics, Runnable drain) {
    this.dataplane = dataplane;
    this.metrics = metrics;
    this.drain = drain;
  }

  /** Marks the gateway as serving (its first config is in and the admin server is up) or as stopping. */
  public void started(boolean serving) {
    this.started = serving;
  }

  @Override public boolean ready() {
    return started && !dataplane.draining();
  }

  @Override public String scrapeMetrics() {
    return metrics.scrape();
  }

  @Override public List<ClusterView> clusters() {
    return dataplane.current().upstreams().values().stream()
        .sorted(Comparator.comparing(c -> c.name()))
        .map(c -> new ClusterView(c.name(), c.config().loadBalancer().name(), c.endpoints().stream()
            .map(e -> new ClusterView.Endpoint(e.label(), "HEALTHY", e.inFlight())).toList()))
        .toList();
  }

  @Override public Map<String, Double> stats() {
    return metrics.stats();
  }

  @Override public void drain() {
    drain.run();
  }
}
