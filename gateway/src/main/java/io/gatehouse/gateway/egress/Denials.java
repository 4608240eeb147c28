package io.gatehouse.gateway.egress;

import io.gatehouse.gateway.proxy.Reason;
import io.gatehouse.routes.egress.Verdict;

/** The gateway reason each allow-list verdict is answered with. */
final class Denials {
  private Denials() {}

  static Reason reason(Verdict verdict) {
    return switch (verdict) {
      case HOST_NOT_ALLOWED -> Reason.EGRESS_HOST_NOT_ALLOWED;
      case PORT_NOT_ALLOWED -> Reason.EGRESS_PORT_NOT_ALLOWED;
      case SOURCE_NOT_ALLOWED -> Reason.EGRESS_SOURCE_NOT_ALLOWED;
      case ADDRESS_DENIED -> Reason.EGRESS_ADDRESS_DENIED;
      case INVALID_HOST -> Reason.EGRESS_INVALID_HOST;
      case ALLOWED -> throw new IllegalArgumentException("verdict: ALLOWED (expected a denial)");
    };
  }
}
