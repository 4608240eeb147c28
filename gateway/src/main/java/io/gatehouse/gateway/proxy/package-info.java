/**
 * The life of a request through an HTTP listener.
 *
 * <pre>
 *  client ─► ListenerVerticle (one per event loop, sharing the port); ListenerOptions: head
 *              sizes (431/414 via Ingress.invalid), idle timeout, HTTP/2 limits, PROXY protocol;
 *              ConnectionGuard: connection limit, HeadTimer (slow request heads)
 *         ─► Ingress: pause the body, read dataplane.current() once, take or make x-request-id,
 *              start the Exchange (what every path fills in and the access log reads)
 *         ─► Edge.admit: the one normalised path (PathNormalizer: 400 or a redirect if unsafe),
 *              underscore header names, Host vs the connection's certificate (421 on HTTPS)
 *         ─► snapshot.routes(listener).match(exchange)  RouteTable: host bucket, then declared order
 *         ─► Stage built by Pipelines for the matched route, once per snapshot:
 *              FaultFilter ─► RateLimitFilter ─► CorsFilter ─► BodyLimitFilter ─► HeaderFilter
 *              ─► RewriteFilter ─► MirrorFilter ─► Forwarder | Redirector | DirectResponder
 *                                          (no match is a Stage too: 404 route_not_found)
 *         ─► Forwarder: Backends picks the upstream by weight (the one weighted pick, passthrough's
 *              too); UpgradeTunnel for WebSocket, spliced through tcp.Tunnel (idle timeout,
 *              maximum duration, bytes counted) as every byte tunnel is; GrpcWeb translates a
 *              gRPC-web request for an HTTP2 upstream (GrpcWebRequestBody, GrpcWebResponse)
 *         ─► UpstreamCall: endpoint from the UpstreamClient's balancer or hash ring (healthy,
 *              not ejected), circuit breaker admission (else 503 overflow), pooled connection
 *              (H1Pool: HTTP/1.1 in clear text on Netty, per event loop; Vert.x's client for
 *              HTTP/2 and TLS), streamed body, route timeout, per-try timeout; RetryState decides each retry
 *              (policy, resendable body: buffered replay ≤ 1 MiB, backoff within the route
 *              timeout, retry budget); each try's outcome feeds outlier detection
 *              ForwardedHeaders: hop-by-hop out; X-Forwarded-*, X-Real-IP, Forwarded are the
 *              gateway's own unless the peer is a trusted proxy (ClientTrust)
 *  client ◄─ ResponseRelay: status and headers (hop-by-hop removed, response edits of the
 *              filters run in reverse), body piped with trailers
 *         ◄─ Ingress: a failed stage becomes GatewayException ─► JSON error + x-gatehouse-reason;
 *              then one access log line and the metrics
 * </pre>
 *
 * An EGRESS listener's requests take the same entry: Ingress runs
 * {@code gateway.egress.EgressStage} (allow-list, one resolution, forward or CONNECT tunnel)
 * instead of route matching, and ends them the same way (error reply, AccessLog.Entry.of the
 * exchange, metrics). A TLS_PASSTHROUGH listener's connections leave at the first step, to
 * {@code gateway.tcp.PassthroughVerticle}: SNI peek, then its SniRouter chooses the destination
 * (SniRoutes: the route for the host; egress.EgressSni: the allow-list, with {@code egressPort}),
 * then the tunnel limit, the connect and the raw {@code tcp.Tunnel}. The router reads the
 * snapshot once per connection too.
 *
 * A reload compiles a new {@link io.gatehouse.gateway.proxy.Snapshot} on the config writer thread
 * and swaps it in {@link io.gatehouse.gateway.proxy.Dataplane} with one volatile write; a request
 * keeps the snapshot it started with, and a WebSocket or gRPC stream keeps its upstream connection:
 * the client of a changed upstream is retired, closing only once nothing is in flight on it. A
 * WebSocket the gateway itself ends (its limits, a drain) gets 1001 "going away" both ways
 * (tcp.WebSocketFrames finds where its frames end).
 *
 * One thread per request: everything a request does after Ingress runs on the event loop of its
 * client connection (its Vert.x context). Vert.x hands upstream responses, timers and its own
 * clients' answers (Redis, ext_authz, JWKS) to the context that asked; anything completed on
 * another thread (a JWKS fetch another request started, a DNS answer from Caffeine's executor) is
 * brought back with {@code context.runOnContext} or a context-bound future before it touches the
 * exchange. EventLoopsTest runs these paths on four loops.
 */
package io.gatehouse.gateway.proxy;
