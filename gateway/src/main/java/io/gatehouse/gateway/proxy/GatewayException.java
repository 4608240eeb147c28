package io.gatehouse.gateway.proxy;

import java.util.Objects;

/**
 * A request the gateway answers itself, with a {@link Reason}. A status, not a bug: no stack
 * trace is captured. {@code detail} is for the access log and never shown to the client.
 */
public final class GatewayException extends RuntimeException {
  private final Reason reason;
  private final int status;

  public GatewayException(Reason reason, String detail) {
    this(reason, detail, reason.status());
  }

  /** An error sent with {@code status} rather than the reason's own (a fault abort's configured status). */
  public GatewayException(Reason reason, String detail, int status) {
    super(detail, null, false, false);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.status = status;
  }

  public GatewayException(Reason reason) {
    this(reason, reason.message());
  }

  public Reason reason() {
    return reason;
  }

  /** The status sent to the client. */
  public int status() {
    return status;
  }

  /**
   * Why connecting to {@code server} failed: a TLS failure when the handshake is what broke (its
   * detail says why: untrusted, wrong name), else a connect failure.
   */
  public static GatewayException connectFailure(String server, Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException) {
        // The verifier's own words (wrong SPIFFE id, untrusted issuer) beat the engine's generic ones.
        for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
          if (c instanceof java.security.cert.CertificateException) {
            return new GatewayException(Reason.UPSTREAM_TLS_FAILURE, server + ": " + c.getMessage());
          }
        }
        return new GatewayException(Reason.UPSTREAM_TLS_FAILURE, server + ": " + t.getMessage());
      }
    }
    return new GatewayException(Reason.UPSTREAM_CONNECT_FAILURE, server + ": " + cause.getMessage());
  }

  /** The failure as a gateway reason: a GatewayException's own, anything else an internal error. */
  public static GatewayException of(Throwable failure) {
    if (failure instanceof GatewayException ge) {
      return ge;
    }
    return new GatewayException(Reason.INTERNAL, String.valueOf(failure));
  }
}
