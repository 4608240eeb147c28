package io.gatehouse.gateway.proxy;

import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.Upstream;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.BitSet;
import java.util.Optional;

/**
 * The end of a forwarding route: picks an upstream by weight (or by the route's sticky-session
 * cookie) and hands the exchange to an
 * {@link UpstreamCall}, which owns endpoint choice, retries and timeouts for that request. A
 * gRPC-web request to an upstream that speaks HTTP2 is translated on the way ({@link GrpcWeb}).
 */
final class Forwarder implements Stage {
  /** Bodies up to this size are buffered so that a reset or a retriable status can be retried (Envoy's default). */
  static final long RETRY_BUFFER_BYTES = 1024 * 1024;

  final Vertx vertx;
  final Backends backends;
  final TunnelMetrics tunnels;
  final RetryPolicy retries;
  /** {@link #retries}' statuses by code. */
  final BitSet retryStatuses;
  final long timeoutMillis;
  private final Optional<StickySessions> sticky;
  private final boolean grpcWeb;

  /** {@code grpcWeb}: translate gRPC-web requests for upstreams that speak HTTP2 ({@link GrpcWeb}). */
  Forwarder(Vertx vertx, Backends backends, RetryPolicy retries, Duration timeout, TunnelMetrics tunnels,
            Optional<StickySessions> sticky, boolean grpcWeb) {
    this.sticky = sticky;
    this.grpcWeb = grpcWeb;
    this.vertx = vertx;
    this.backends = backends;
    this.tunnels = tunnels;
    this.retries = retries;
    this.retryStatuses = RetryState.statuses(retries);
    this.timeoutMillis = timeout.toMillis();
  }

  @Override public Future<Void> handle(Exchange ex) {
    UpstreamClient upstream = sticky.isPresent() ? sticky.get().choose(ex, backends) : backends.pick();
    if (upstream == null) {
      return Future.failedFuture(new GatewayException(Reason.NO_HEALTHY_UPSTREAM, "no backend has a positive weight"));
    }
    ex.upstream(upstream.name());
    if (UpgradeTunnel.isUpgrade(ex.request())) {
      return UpgradeTunnel.open(vertx, ex, upstream, tunnels);
    }
    if (grpcWeb && upstream.config().protocol() == Upstream.Protocol.HTTP2 && GrpcWeb.isRequest(ex.request())) {
      try {
        GrpcWeb.begin(ex);
      } catch (GatewayException malformed) {
        return Future.failedFuture(malformed);
      }
    }
    return new UpstreamCall(this, ex, upstream).start();
  }
}
