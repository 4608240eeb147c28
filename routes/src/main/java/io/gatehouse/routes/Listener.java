package io.gatehouse.routes;

/** One port the gateway accepts connections on. {@code tls} is {@link ListenerTls#NONE} unless HTTPS. */
public record Listener(String name, String address, int port, Protocol protocol, ListenerTls tls) {

  /** What a listener speaks. */
  public enum Protocol { HTTP, HTTPS, TLS_PASSTHROUGH, EGRESS }
}
