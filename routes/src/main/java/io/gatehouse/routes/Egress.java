package io.gatehouse.routes;

import java.util.List;

/** Which destinations outbound traffic may reach. REGISTRY_ONLY denies everything not allowed. */
public record Egress(Mode mode, List<EgressRule> allow) {
  public Egress {
    allow = List.copyOf(allow);
  }

  public static final Egress DENY_ALL = new Egress(Mode.REGISTRY_ONLY, List.of());

  public enum Mode { REGISTRY_ONLY, ALLOW_ANY }
}
