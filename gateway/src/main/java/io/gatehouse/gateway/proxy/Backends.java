package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.upstream.UpstreamClient;
import io.gatehouse.routes.Action;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A route's upstreams with their weights; picks one per request (or passthrough connection) in
 * proportion to weight. The one weighted pick: HTTP routes and TLS passthrough routes use it.
 */
public final class Backends {
  private final UpstreamClient[] upstreams;
  private final int[] cumulative;
  private final int total;

  Backends(List<UpstreamClient> upstreams, List<Integer> weights) {
    this.upstreams = upstreams.toArray(UpstreamClient[]::new);
    this.cumulative = new int[weights.size()];
    int sum = 0;
    for (int i = 0; i < weights.size(); i++) {
      sum += weights.get(i);
      cumulative[i] = sum;
    }
    this.total = sum;
  }

  /** The backends of a route with a positive weight, as live clients from {@code upstreams} (by name). */
  public static Backends of(List<Action.Backend> backends, Map<String, UpstreamClient> upstreams) {
    List<UpstreamClient> clients = new ArrayList<>(backends.size());
    List<Integer> weights = new ArrayList<>(backends.size());
    for (Action.Backend backend : backends) {
      if (backend.weight() > 0) {
        clients.add(upstreams.get(backend.upstream()));
        weights.add(backend.weight());
      }
    }
    return new Backends(clients, weights);
  }

  /** An upstream chosen by weight; null when no backend has a positive weight. */
  public UpstreamClient pick() {
    if (upstreams.length <= 1) {
      return upstreams.length == 0 ? null : upstreams[0];
    }
    int ticket = ThreadLocalRandom.current().nextInt(total);
    for (int i = 0; i < cumulative.length; i++) {
      if (ticket < cumulative[i]) {
        return upstreams[i];
      }
    }
    return upstreams[upstreams.length - 1];
  }
}
