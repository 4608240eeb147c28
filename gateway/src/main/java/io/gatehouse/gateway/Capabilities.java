package io.gatehouse.gateway;

import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Upstream;
import java.util.ArrayList;
import java.util.List;

/**
 * What valid config this build cannot serve yet, said plainly rather than half-served. Checked by
 * {@code validate} and before every install.
 */
final class Capabilities {
  private Capabilities() {}

  static List<String> unsupported(GatewayConfig config) {
    List<String> problems = new ArrayList<>();
    for (Upstream upstream : config.upstreams()) {
      if (upstream.loadBalancer() == Upstream.LoadBalancer.CONSISTENT_HASH) {
        problems.add("upstream " + upstream.name() + ": loadBalancer CONSISTENT_HASH is not supported by this build"
            + " (supported: ROUND_ROBIN, LEAST_REQUEST, RANDOM)");
      }
    }
    return problems;
  }
}
