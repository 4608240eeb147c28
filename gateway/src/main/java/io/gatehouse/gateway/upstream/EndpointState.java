package io.gatehouse.gateway.upstream;

import io.gatehouse.routes.Upstream;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One endpoint of a live upstream: its address, how many requests are in flight to it, and
 * whether it may take requests (health-checked, not ejected). Read by every event loop without
 * locks; health is written by the upstream's {@link HealthChecker}, ejection by its
 * {@link OutlierDetector}.
 */
public final class EndpointState {
  private final Upstream.Endpoint config;
  private final SocketAddress address;
  private final String label;
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Consecutive 5xx answers and local failures, for outlier detection. */
  final AtomicInteger consecutiveErrors = new AtomicInteger();
  private volatile boolean healthy = true;
  /** {@link System#nanoTime()} until which the endpoint is ejected; in the past when it is not. */
  private volatile long ejectedUntilNanos;

  EndpointState(Upstream.Endpoint config) {
    this.config = config;
    this.address = SocketAddress.inetSocketAddress(config.port(), config.host());
    this.label = config.toString();
    this.ejectedUntilNanos = System.nanoTime();
  }

  public Upstream.Endpoint config() {
    return config;
  }

  public SocketAddress address() {
    return address;
  }

  /** {@code host:port}, for logs and metrics. */
  public String label() {
    return label;
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** A request to this endpoint starts; pair with {@link #finished()}. */
  public void started() {
    inFlight.incrementAndGet();
  }

  public void finished() {
    inFlight.decrementAndGet();
  }

  /** Whether active health checking (if any) currently passes this endpoint. */
  public boolean healthy() {
    return healthy;
  }

  void healthy(boolean value) {
    healthy = value;
  }

  /** Whether outlier detection has this endpoint out of the balancer at {@code nowNanos}. */
  public boolean ejected(long nowNanos) {
    return nowNanos - ejectedUntilNanos < 0;
  }

  long ejectedUntilNanos() {
    return ejectedUntilNanos;
  }

  void ejectUntil(long nanos) {
    ejectedUntilNanos = nanos;
  }

  /** Whether the balancer may pick this endpoint at {@code nowNanos}. */
  boolean available(long nowNanos) {
    return healthy && !ejected(nowNanos);
  }
}
