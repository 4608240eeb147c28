package io.gatehouse.gateway.proxy;

import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * The end of a forwarding route: picks an upstream by weight and hands the exchange to an
 * {@link UpstreamCall}, which owns endpoint choice, retries and timeouts for that request.
 */
final class Forwarder implements Stage {
  /** Bodies up to this size are buffered so that a reset or a retriable status can be retried (Envoy's default). */
  static final long RETRY_BUFFER_BYTES = 1024 * 1024;

  final Vertx vertx;
  final Backends backends;
  final TunnelMetrics tunnels;
  final RetryPolicy retries;
  final long timeoutMillis;

  Forwarder(Vertx vertx, Backends backends, RetryPolicy retries, Duration timeout, TunnelMetrics tunnels) {
    this.vertx = vertx;
    this.backends = backends;
    this.tunnels = tunnels;
    this.retries = retries;
    this.timeoutMillis = timeout.toMillis();
  }

  @Override public Future<Void> handle(Exchange ex) {
    UpstreamClient upstream = backends.pick();
    if (upstream == null) {
      return Future.failedFuture(new GatewayException(Reason.NO_HEALTHY_UPSTREAM, "no backend has a positive weight"));
    }
    ex.upstream(upstream.name());
    if (UpgradeTunnel.isUpgrade(ex.request())) {
      return UpgradeTunnel.open(vertx, ex, upstream, tunnels);
    }
    return new UpstreamCall(this, ex, upstream).start();
  }
}
