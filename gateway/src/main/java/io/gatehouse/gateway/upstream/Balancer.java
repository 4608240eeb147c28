package io.gatehouse.gateway.upstream;

import io.gatehouse.routes.Upstream;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks an endpoint index among the available ones. Ours rather than Vert.x's endpoint-resolver
 * balancers because the candidates are our own endpoint states, filtered by health and ejection;
 * each policy is a few lines. Implementations are shared by event loops, so they are lock-free.
 * CONSISTENT_HASH is {@link ConsistentHash}; this is its fallback for requests without a key.
 */
interface Balancer {
  /** An index into {@code endpoints} (never empty), avoiding {@code avoid} when another exists. */
  int pick(EndpointState[] endpoints, EndpointState avoid);

  static Balancer of(Upstream.LoadBalancer policy) {
    if (policy == Upstream.LoadBalancer.ROUND_ROBIN) {
      return new RoundRobin();
    }
    if (policy == Upstream.LoadBalancer.LEAST_REQUEST) {
      return Balancer::leastRequest;
    }
    return Balancer::random;
  }

  /** Envoy's least-request: the better of two random choices, O(1) and nearly as good as a scan. */
  private static int leastRequest(EndpointState[] endpoints, EndpointState avoid) {
    int n = endpoints.length;
    if (n == 1) {
      return 0;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int a = random.nextInt(n);
    int b = (a + 1 + random.nextInt(n - 1)) % n;
    if (endpoints[a] == avoid) {
      return b;
    }
    if (endpoints[b] == avoid) {
      return a;
    }
    return endpoints[b].inFlight() < endpoints[a].inFlight() ? b : a;
  }

  private static int random(EndpointState[] endpoints, EndpointState avoid) {
    int n = endpoints.length;
    int i = ThreadLocalRandom.current().nextInt(n);
    return n > 1 && endpoints[i] == avoid ? (i + 1) % n : i;
  }

  /** Each endpoint in turn. */
  final class RoundRobin implements Balancer {
    private final AtomicInteger next = new AtomicInteger();

    @Override public int pick(EndpointState[] endpoints, EndpointState avoid) {
      int n = endpoints.length;
      int i = Math.floorMod(next.getAndIncrement(), n);
      return n > 1 && endpoints[i] == avoid ? Math.floorMod(next.getAndIncrement(), n) : i;
    }
  }
}
