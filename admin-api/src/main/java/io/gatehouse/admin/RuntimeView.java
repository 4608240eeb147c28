package io.gatehouse.admin;

import java.util.List;
import java.util.Map;

/**
 * What the admin server needs to know of the running data plane. Admin declares it and the
 * gateway implements it, so admin-api never depends on gateway classes.
 */
public interface RuntimeView {
  /** Whether the gateway takes traffic: false before the first config and while draining. */
  boolean ready();

  /** The metrics in Prometheus text format. */
  String scrapeMetrics();

  /** The upstreams of the serving snapshot with what is live about each endpoint. */
  default List<ClusterView> clusters() {
    return List.of();
  }

  /** Every counter and gauge, keyed {@code name{tag=value,…}}, for {@code GET /stats}. */
  default Map<String, Double> stats() {
    return Map.of();
  }

  /** Requests per route and upstream, counted since start (the dashboard's rates, error rates and p99). */
  default List<TrafficView> traffic() {
    return List.of();
  }

  /** Egress decisions per destination, decision and reason, counted since start. */
  default List<EgressView> egress() {
    return List.of();
  }

  /** Connections open per listener. */
  default Map<String, Long> connections() {
    return Map.of();
  }

  /** The gateway's workload identity from the mesh CA, when the config has a {@code meshIdentity}. */
  default java.util.Optional<io.gatehouse.certs.mesh.IdentityStatus> meshIdentity() {
    return java.util.Optional.empty();
  }

  /** Drains (readiness off, listeners stop accepting, requests in flight finish); blocks, so call it off the event loop. */
  default void drain() {}
}
