package io.gatehouse.gateway.proxy;

import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Optional;

/**
 * The end of a forwarding route: picks an upstream by weight (or by the route's sticky-session
 * cookie) and hands the exchange to an
 * {@link UpstreamCall}, which owns endpoint choice, retries and timeouts for that request.
 */
final class Forwarder implements Stage {
  /** Bodies up to this size are buffered so that a reset or a retriable status can be retried (Envoy's default). */
  static final long RETRY_BUFFER_BYTES = 1024 * 1024;

  final Vertx vertx;
  final Backends backends;
  final RetryPolicy retries;
  final long timeoutMillis;
  final long perTryTimeoutMillis;
  private final Optional<StickySessions> sticky;

  Forwarder(Vertx vertx, Backends backends, RetryPolicy retries, Duration timeout) {
    this(vertx, backends, retries, timeout, Optional.empty());
  }

  Forwarder(Vertx vertx, Backends backends, RetryPolicy retries, Duration timeout, Optional<StickySessions> sticky) {
    this.sticky = sticky;
    this.vertx = vertx;
    this.backends = backends;
    this.retries = retries;
    this.timeoutMillis = timeout.toMillis();
    this.perTryTimeoutMillis = retries.perTryTimeout().toMillis();
  }

  @Override public Future<Void> handle(Exchange ex) {
    UpstreamClient upstream = sticky.isPresent() ? sticky.get().choose(ex, backends) : backends.pick();
    ex.upstream(upstream.name());
    if (UpgradeTunnel.isUpgrade(ex.request())) {
      return UpgradeTunnel.open(ex, upstream);
    }
    return new UpstreamCall(this, ex, upstream).start();
  }
}
