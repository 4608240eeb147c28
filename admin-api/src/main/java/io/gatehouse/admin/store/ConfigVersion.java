package io.gatehouse.admin.store;

import io.gatehouse.routes.GatewayConfig;
import java.time.Instant;
import java.util.Map;

/**
 * One installed config: its version, the merged config, which source's change made it, when, where
 * each object came from ({@code routes/shop → admin}), and every source's fragment at that time
 * (what a rollback restores).
 */
public record ConfigVersion(long version, GatewayConfig config, String source, Instant at,
                            Map<String, String> provenance, Map<String, GatewayConfig> fragments) {
  public ConfigVersion {
    provenance = Map.copyOf(provenance);
    fragments = Map.copyOf(fragments);
  }
}
