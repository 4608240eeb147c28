package io.gatehouse.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;

/**
 * Envoy's response flags for an exchange, as Istio's {@code response_flags} label and the access
 * log's {@code responseFlags} carry them: why the gateway answered itself ({@code NR} no route,
 * {@code UH} no healthy upstream, {@code NC} no cluster, {@code UF} connect failure, {@code UO} overflow, {@code UT}
 * timeout, {@code UR} upstream reset, {@code DC} client gone, {@code RL} rate limited, {@code FI}
 * fault injected, {@code DPE} malformed request), plus {@code URX} when retries ran out; {@code -}
 * for none. The values are constants, so label sets compare them cheaply.
 */
public final class ResponseFlags {
  public static final String NONE = "-";
  private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");

  private ResponseFlags() {}

  /** The flags of a finished exchange. */
  public static String of(Exchange ex) {
    Reason reason = ex.failureReason();
    boolean retried = ex.attempts() > 1;
    if (reason == null) {
      // The upstream answered; after retries, a 5xx is the last of the retriable answers.
      return retried && ex.status() >= 500 ? "URX" : NONE;
    }
    return switch (reason) {
      case ROUTE_NOT_FOUND -> "NR";
      case NO_HEALTHY_UPSTREAM -> "UH";
      case CLUSTER_NOT_FOUND -> "NC";
      case UPSTREAM_CONNECT_FAILURE, UPSTREAM_TLS_FAILURE -> retried ? "UF,URX" : "UF";
      case OVERFLOW -> "UO";
      case UPSTREAM_RESET -> retried ? "UR,URX" : "UR";
      case UPSTREAM_RESET_AFTER_RESPONSE_STARTED -> "UR";
      case UPSTREAM_RESPONSE_TIMEOUT, UPSTREAM_PER_TRY_TIMEOUT -> "UT";
      case CLIENT_CLOSED -> "DC";
      case RATE_LIMITED -> "RL";
      case RATE_LIMIT_SERVICE_ERROR -> "RLSE";
      case FAULT_ABORT -> "FI";
      case BAD_REQUEST, MISSING_HOST, URI_TOO_LONG, HEADERS_TOO_LARGE -> "DPE";
      default -> NONE;
    };
  }

  /**
   * The gRPC status of a gRPC exchange: the {@code grpc-status} the upstream sent (in the head of a
   * trailers-only answer, or in the trailers), else the one gRPC gives the HTTP status (as Envoy
   * maps it); -1 when the request is not gRPC.
   */
  public static int grpcStatus(Exchange ex) {
    String type = ex.request().getHeader(HttpHeaderNames.CONTENT_TYPE);
    if (type == null || !type.startsWith("application/grpc")) {
      return -1;
    }
    if (ex.grpcWebStatus() >= 0) {
      return ex.grpcWebStatus();  // a translated gRPC-web call's status went in its body
    }
    var response = ex.response();
    String sent = response.headers().get(GRPC_STATUS);
    if (sent == null && response.ended()) {
      sent = response.trailers().get(GRPC_STATUS);
    }
    if (sent != null) {
      try {
        return Integer.parseInt(sent.trim());
      } catch (NumberFormatException e) {
        return 2;
      }
    }
    return switch (ex.status()) {
      case 200 -> 2;
      case 400 -> 13;
      case 401 -> 16;
      case 403 -> 7;
      case 404 -> 12;
      case 429, 502, 503, 504 -> 14;
      default -> 2;
    };
  }
}
