package io.gatehouse.gateway.proxy;

/**
 * Why the gateway itself answered instead of an upstream: the status, the short snake_case word
 * sent as {@code x-gatehouse-reason} (Envoy's response-code-detail word where one exists), and a
 * message safe to show a client (no internal addresses).
 */
public enum Reason {
  ROUTE_NOT_FOUND(404, "route_not_found", "no route matches this request"),
  MISSING_HOST(400, "missing_host", "the request has no Host header"),
  BAD_REQUEST(400, "bad_request", "the request is malformed"),
  /** Host missing, repeated or unreadable (RFC 9112 §3.2), or :authority and Host disagreeing. */
  INVALID_HOST(400, "invalid_host", "the request's Host is repeated or malformed"),
  /** Control characters or whitespace in the request target (RFC 9112 §3, RFC 3986). */
  INVALID_TARGET(400, "invalid_request_target", "the request target is malformed"),
  /** A field name or value the RFCs forbid (RFC 9110 §5.5, RFC 9113 §8.2): CR, LF, NUL, empty or non-token names. */
  INVALID_HEADER(400, "invalid_header", "a request header field is malformed"),
  /** Ambiguous or broken message framing: Transfer-Encoding with Content-Length, a bad chunk, DATA against content-length. */
  INVALID_FRAMING(400, "invalid_framing", "the request's message framing is malformed or ambiguous"),
  /** A transfer coding other than chunked (RFC 9112 §6.1). */
  UNSUPPORTED_TRANSFER_CODING(501, "unsupported_transfer_coding", "the request's transfer coding is not implemented"),
  /** Any HTTP version but 1.0, 1.1 and 2 (RFC 9110 §15.6.6). */
  VERSION_NOT_SUPPORTED(505, "http_version_not_supported", "the request's HTTP version is not supported"),
  /** The request head did not arrive within the listener's {@code headerReadTimeout}. */
  HEADER_TIMEOUT(408, "request_header_timeout", "the request head did not arrive in time"),
  /** The request body stalled for longer than the listener's {@code bodyReadTimeout}. */
  BODY_TIMEOUT(408, "request_body_timeout", "the request body did not arrive in time"),
  /** The client went away before the response was complete; nothing can be sent (NGINX's 499). */
  CLIENT_CLOSED(499, "downstream_remote_disconnect", "the client closed the connection"),
  /** The route's rate limit is exhausted for this key; {@code Retry-After} says when to come back. */
  RATE_LIMITED(429, "rate_limited", "too many requests; retry later"),
  /** A global rate limit's Redis did not answer and the limit fails closed. */
  RATE_LIMIT_SERVICE_ERROR(503, "rate_limit_service_error", "the rate limit service is unavailable"),
  /** A fault injected on purpose (chaos testing); the status is the route's {@code fault.abort.status}. */
  FAULT_ABORT(503, "fault_filter_abort", "fault injected by the gateway"),
  PAYLOAD_TOO_LARGE(413, "request_payload_too_large", "the request body is larger than this route allows"),
  URI_TOO_LONG(414, "uri_too_long", "the request line is too long"),
  HEADERS_TOO_LARGE(431, "request_headers_too_large", "the request headers are too large"),
  NO_HEALTHY_UPSTREAM(503, "no_healthy_upstream", "no upstream endpoint is available"),
  /** The route forwards to no upstream: an xDS route whose clusters are missing or cannot be served (Envoy's word). */
  CLUSTER_NOT_FOUND(503, "cluster_not_found", "no cluster serves this route"),
  UPSTREAM_CONNECT_FAILURE(503, "upstream_connect_failure", "could not connect to the upstream"),
  /** The TLS handshake with the upstream failed: untrusted or mismatched certificate, protocol. */
  UPSTREAM_TLS_FAILURE(503, "upstream_tls_failure", "could not establish a trusted TLS connection to the upstream"),
  /** The upstream's circuit breaker is full (requests in flight or waiting for a connection). */
  OVERFLOW(503, "overflow", "the upstream is at its concurrency limit"),
  UPSTREAM_RESET(502, "upstream_reset_before_response_started", "the upstream closed the connection before answering"),
  /**
   * The upstream closed or reset mid-response: the client's response is cut (a reset stream, a closed
   * HTTP/1.1 connection); the access log keeps the upstream's status with this reason and flag {@code UR}.
   */
  UPSTREAM_RESET_AFTER_RESPONSE_STARTED(502, "upstream_reset_after_response_started", "the upstream closed the connection mid-response"),
  UPSTREAM_RESPONSE_TIMEOUT(504, "upstream_response_timeout", "the upstream did not answer in time"),
  UPSTREAM_PER_TRY_TIMEOUT(504, "upstream_per_try_timeout", "the upstream did not answer in time"),
  /** Egress: no allow-list entry names the host (or covers the IP literal). */
  EGRESS_HOST_NOT_ALLOWED(403, "egress_host_not_allowed", "egress to this host is not allowed"),
  /** Egress: an entry names the host, but not this port. */
  EGRESS_PORT_NOT_ALLOWED(403, "egress_port_not_allowed", "egress to this port is not allowed"),
  /** Egress: the entry for this destination is restricted to other clients. */
  EGRESS_SOURCE_NOT_ALLOWED(403, "egress_source_not_allowed", "this client may not reach this destination"),
  /** Egress: the destination is (or resolves to) a denied address range: loopback, private, link-local. */
  EGRESS_ADDRESS_DENIED(403, "egress_address_denied", "the destination address is in a denied range"),
  /** Egress: a CONNECT tunnel to port 443 opened with a TLS server name other than the CONNECT host. */
  EGRESS_SNI_MISMATCH(403, "egress_sni_mismatch", "the TLS server name does not match the CONNECT host"),
  /** Egress: the destination host cannot be read unambiguously (userinfo, bad escapes, numeric non-address). */
  EGRESS_INVALID_HOST(400, "egress_invalid_host", "the destination host is not valid"),
  /** Egress: the destination name did not resolve. */
  EGRESS_DNS_FAILURE(503, "egress_dns_failure", "the destination name could not be resolved"),
  /** Egress: the listener already has its maximum of open tunnels. */
  EGRESS_TUNNEL_LIMIT(503, "egress_tunnel_limit", "too many open tunnels"),
  /** The path cannot be normalised safely: encoded slash, raw backslash, {@code /..;/}, bad {@code %} (CVE-2021-31920). */
  PATH_NORMALIZATION_FAILED(400, "path_normalization_failed", "the request path is not allowed"),
  /** A header name has {@code _} and the listener's {@code headersWithUnderscores} is REJECT_REQUEST. */
  UNDERSCORE_HEADER(400, "unexpected_underscore", "a request header name contains an underscore"),
  /** HTTPS: the Host is not covered by the certificate this connection was served with (RFC 9110 §15.5.20). */
  MISDIRECTED_REQUEST(421, "misdirected_request", "this connection's certificate does not cover the requested host"),
  /** The request carries a JWT that is not valid (bad signature, expired, wrong issuer or audience, unknown key). */
  JWT_INVALID(401, "jwt_authn_access_denied", "the request's token is not valid"),
  /** An authorization policy refused the request (a DENY matched, or no ALLOW did). */
  ACCESS_DENIED(403, "rbac_access_denied", "access denied"),
  /** The external authorization service did not answer (in time) and it fails closed. */
  EXT_AUTHZ_ERROR(403, "ext_authz_error", "the authorization service is unavailable"),
  /** A gRPC-web request body that is not base64 (-text), ends mid-frame, or declares a message over the limit. */
  GRPC_WEB_MALFORMED(400, "grpc_web_malformed_request", "the gRPC-web request body is malformed"),
  INTERNAL(500, "internal_error", "the gateway failed to handle the request");

  private final int status;
  private final String word;
  private final String message;

  Reason(int status, String word, String message) {
    this.status = status;
    this.word = word;
    this.message = message;
  }

  public int status() {
    return status;
  }

  /** The value of {@code x-gatehouse-reason}. */
  public String word() {
    return word;
  }

  /** What the JSON error body says. */
  public String message() {
    return message;
  }

  /** The gateway's error body for this reason: {@code {"error","reason","requestId"}}. */
  public String body(String requestId) {
    return new io.vertx.core.json.JsonObject()
        .put("error", message)
        .put("reason", word)
        .put("requestId", requestId)
        .encode();
  }
}
