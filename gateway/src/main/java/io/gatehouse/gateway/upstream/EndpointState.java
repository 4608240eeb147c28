package io.gatehouse.gateway.upstream;

import io.gatehouse.routes.Upstream;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/** One endpoint of a live upstream: its address and how many requests are in flight to it. */
public final class EndpointState {
  private final Upstream.Endpoint config;
  private final SocketAddress address;
  private final String label;
  private final AtomicInteger inFlight = new AtomicInteger();

  EndpointState(Upstream.Endpoint config) {
    this.config = config;
    this.address = SocketAddress.inetSocketAddress(config.port(), config.host());
    this.label = config.toString();
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
}
