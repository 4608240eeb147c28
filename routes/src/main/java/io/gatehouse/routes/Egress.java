package io.gatehouse.routes;

import java.util.List;

/**
 * Which destinations outbound traffic may reach. REGISTRY_ONLY denies everything not allowed.
 * {@code verifySniPorts}: a CONNECT tunnel to a name on one of these ports (default 443) must open
 * with a TLS ClientHello whose SNI is the CONNECT host, or it is closed.
 */
public record Egress(Mode mode, List<EgressRule> allow, List<Integer> verifySniPorts) {
  public Egress {
    allow = List.copyOf(allow);
    verifySniPorts = List.copyOf(verifySniPorts);
  }

  public Egress(Mode mode, List<EgressRule> allow) {
    this(mode, allow, List.of(443));
  }

  /** These settings with {@code allow} as the allow-list. */
  public Egress withAllow(List<EgressRule> allow) {
    return new Egress(mode, allow, verifySniPorts);
  }

  public static final Egress DENY_ALL = new Egress(Mode.REGISTRY_ONLY, List.of());

  public enum Mode { REGISTRY_ONLY, ALLOW_ANY }
}
