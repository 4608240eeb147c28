package io.gatehouse.routes.auth;

import java.time.Duration;
import java.util.List;

/**
 * An HTTP external authorization service, with Envoy's ext_authz HTTP semantics (Istio's
 * {@code envoyExtAuthzHttp} extension provider). The check request has the client request's
 * method, {@code uri}'s path followed by the request's path and query, and headers: {@code Host},
 * {@code Authorization}, {@code Content-Length: 0} and those named in {@code headersToSend}. A 2xx
 * answer admits the request, adding the answer's headers named in {@code headersToUpstream}; any
 * other answer goes to the client with its status, body and headers (only those named in
 * {@code headersToClient}, or all when it is empty). No answer within {@code timeout}, or none at
 * all, admits the request with {@code failOpen}, else refuses it with {@code statusOnError}.
 */
public record ExtAuthz(String name, String uri, Duration timeout, boolean failOpen, int statusOnError,
                       List<String> headersToSend, List<String> headersToUpstream, List<String> headersToClient) {
  public ExtAuthz {
    headersToSend = List.copyOf(headersToSend);
    headersToUpstream = List.copyOf(headersToUpstream);
    headersToClient = List.copyOf(headersToClient);
  }

  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(600);
  public static final int DEFAULT_STATUS_ON_ERROR = 403;
}
