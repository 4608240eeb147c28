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
  /** The SPIFFE id a mesh upstream expects of this endpoint's workload; null when not known. */
  private String expectedIdentity;
  /** The SPIFFE id the last mesh handshake with this endpoint accepted; null before one. */
  private volatile String verifiedIdentity;

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

  /** The SPIFFE id a mesh upstream requires of this endpoint (its workload's), or null: the trust domain's any. */
  public String expectedIdentity() {
    return expectedIdentity;
  }

  /** Set once, before the client that uses it connects. */
  void expectedIdentity(String id) {
    expectedIdentity = id;
  }

  /** The SPIFFE id the latest mesh handshake with this endpoint verified, or null (no mesh handshake yet). */
  public String verifiedIdentity() {
    return verifiedIdentity;
  }

  void verifiedIdentity(String id) {
    if (!id.equals(verifiedIdentity)) {
      verifiedIdentity = id;
    }
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
