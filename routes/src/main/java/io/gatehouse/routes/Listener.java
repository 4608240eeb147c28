package io.gatehouse.routes;

import java.time.Duration;

/**
 * One port the gateway accepts connections on. {@code tls} is {@link ListenerTls#NONE} unless HTTPS;
 * {@code tunnels} limits the raw byte tunnels of EGRESS (CONNECT) and TLS_PASSTHROUGH listeners.
 * {@code egressPort}, TLS_PASSTHROUGH only: when not 0, connections go to their SNI host on this
 * port if the egress allow-list allows it (egress passthrough), instead of by routes.
 */
public record Listener(String name, String address, int port, Protocol protocol, ListenerTls tls, Tunnels tunnels,
                       int egressPort) {

  public Listener(String name, String address, int port, Protocol protocol, ListenerTls tls) {
    this(name, address, port, protocol, tls, Tunnels.DEFAULT, 0);
  }

  /** What a listener speaks. */
  public enum Protocol { HTTP, HTTPS, TLS_PASSTHROUGH, EGRESS }

  /**
   * Tunnel limits: closed after {@code idleTimeout} without a byte either way, or {@code maxDuration}
   * after opening ({@link Duration#ZERO}: no limit); at most {@code maxActive} open at once on the listener.
   */
  public record Tunnels(Duration idleTimeout, Duration maxDuration, int maxActive) {
    public static final Tunnels DEFAULT = new Tunnels(Duration.ofHours(1), Duration.ZERO, 10_000);
  }
}
