package io.gatehouse.gateway.proxy;

import java.util.Objects;

/**
 * A request the gateway answers itself, with a {@link Reason}. A status, not a bug: no stack
 * trace is captured. {@code detail} is for the access log and never shown to the client.
 */
public final class GatewayException extends RuntimeException {
  private final Reason reason;

  public GatewayException(Reason reason, String detail) {
    super(detail, null, false, false);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public GatewayException(Reason reason) {
    this(reason, reason.message());
  }

  public Reason reason() {
    return reason;
  }

  /** The failure as a gateway reason: a GatewayException's own, anything else an internal error. */
  public static GatewayException of(Throwable failure) {
    if (failure instanceof GatewayException ge) {
      return ge;
    }
    return new GatewayException(Reason.INTERNAL, String.valueOf(failure));
  }
}
