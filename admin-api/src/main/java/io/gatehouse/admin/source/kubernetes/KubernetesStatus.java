package io.gatehouse.admin.source.kubernetes;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one Kubernetes source last did, for {@code /sync}: the newest resourceVersion seen, when a
 * translation was last installed, the last error, the kinds that could not be watched, and the
 * problems of each resource ({@code Kind ns/name} to messages).
 */
public record KubernetesStatus(String name, String resourceVersion, Optional<Instant> lastSuccess, long configVersion,
                           Optional<String> lastError, List<String> unwatchedKinds,
                           Map<String, List<String>> problems) {
  public KubernetesStatus {
    unwatchedKinds = List.copyOf(unwatchedKinds);
    problems = Map.copyOf(problems);
  }

  static KubernetesStatus starting(String name) {
    return new KubernetesStatus(name, "", Optional.empty(), 0, Optional.empty(), List.of(), Map.of());
  }
}
