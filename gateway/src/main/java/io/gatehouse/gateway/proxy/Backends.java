package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.upstream.UpstreamClient;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A route's upstreams with their weights; picks one per request in proportion to weight. */
final class Backends {
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

  /** The upstream named {@code name} among these; null when it is not one of them. */
  UpstreamClient named(String name) {
    for (UpstreamClient u : upstreams) {
      if (u.name().equals(name)) {
        return u;
      }
    }
    return null;
  }

  UpstreamClient pick() {
    if (upstreams.length == 1) {
      return upstreams[0];
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
