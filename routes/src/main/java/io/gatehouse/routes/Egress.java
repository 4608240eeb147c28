package io.gatehouse.routes;

import java.util.List;

/**
 * Which destinations outbound traffic may reach. REGISTRY_ONLY denies everything not allowed.
 * {@code verifySni}: a CONNECT tunnel to port 443 must open with a TLS ClientHello whose SNI is the
 * CONNECT host, or it is closed.
 */
public record Egress(Mode mode, List<EgressRule> allow, boolean verifySni) {
  public Egress {
    allow = List.copyOf(allow);
  }

  public Egress(Mode mode, List<EgressRule> allow) {
    this(mode, allow, true);
  }

  public static final Egress DENY_ALL = new Egress(Mode.REGISTRY_ONLY, List.of());

  public enum Mode { REGISTRY_ONLY, ALLOW_ANY }
}
