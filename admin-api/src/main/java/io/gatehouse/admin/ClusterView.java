package io.gatehouse.admin;

import java.util.List;

/**
 * One live upstream as {@code GET /clusters} shows it: its balancer and, per endpoint, the address,
 * health and requests in flight. {@code health} is {@code HEALTHY}, {@code UNHEALTHY} (failing its
 * active health checks) or {@code EJECTED} (by outlier detection, for now).
 */
public record ClusterView(String name, String loadBalancer, List<Endpoint> endpoints) {
  public ClusterView {
    endpoints = List.copyOf(endpoints);
  }

  /** One endpoint of a live upstream. */
  public record Endpoint(String address, String health, int activeRequests) {}
}
