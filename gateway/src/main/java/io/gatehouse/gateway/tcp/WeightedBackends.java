package io.gatehouse.gateway.tcp;

import io.gatehouse.routes.Action;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A route's backend chosen by weight, as HTTP routes choose; for the byte-stream listeners. */
final class WeightedBackends {
  private WeightedBackends() {}

  /** One of {@code backends} (never empty) in proportion to weight; the first when all weigh 0. */
  static Action.Backend pick(List<Action.Backend> backends) {
    int total = 0;
    for (Action.Backend b : backends) {
      total += b.weight();
    }
    if (total <= 0) {
      return backends.get(0);
    }
    int r = ThreadLocalRandom.current().nextInt(total);
    for (Action.Backend b : backends) {
      r -= b.weight();
      if (r < 0) {
        return b;
      }
    }
    return backends.get(backends.size() - 1);
  }
}
