package io.gatehouse.routes;

/**
 * One port the gateway accepts connections on. {@code tls} is {@link ListenerTls#NONE} unless HTTPS.
 * With {@code proxyProtocol}, every connection starts with a PROXY protocol (v1 or v2) header from
 * a load balancer, and the client address it carries is the one the gateway uses.
 */
public record Listener(String name, String address, int port, Protocol protocol, ListenerTls tls,
                       ListenerLimits limits, boolean proxyProtocol) {

  /** A listener with the default limits and no PROXY protocol. */
  public Listener(String name, String address, int port, Protocol protocol, ListenerTls tls) {
    this(name, address, port, protocol, tls, ListenerLimits.DEFAULT, false);
  }

  /** What a listener speaks. */
  public enum Protocol { HTTP, HTTPS, TLS_PASSTHROUGH, EGRESS }
}
