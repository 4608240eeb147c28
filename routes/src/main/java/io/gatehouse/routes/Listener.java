package io.gatehouse.routes;

import java.time.Duration;

/**
 * One port the gateway accepts connections on. {@code tls} is {@link ListenerTls#NONE} unless
 * HTTPS, or an EGRESS or TCP listener whose clients speak TLS to it (a TCP listener with
 * {@code tls} terminates it and forwards the plaintext bytes); {@code httpsRedirect} is {@link HttpsRedirect#NONE} unless an HTTP listener sends every
 * request to HTTPS; {@code tunnels} limits the raw byte tunnels of EGRESS (CONNECT),
 * TLS_PASSTHROUGH and TCP listeners, and the WebSocket tunnels of HTTP and HTTPS ones (a TCP listener forwards each connection to the one route
 * that names it in {@code listeners}). {@code egressPort}, TLS_PASSTHROUGH only: when not 0, connections go
 * to their SNI host on this port if the egress allow-list allows it (egress passthrough), instead
 * of by routes. {@code limits} bound what clients may send; with {@code proxyProtocol}, every
 * connection starts with a PROXY protocol (v1 or v2) header from a load balancer, and the client
 * address it carries is the one the gateway uses. {@code edge}: what HTTP and HTTPS listeners do to
 * a request before routing (path normalisation, forwarding headers, Host vs certificate).
 * {@code compression}: HTTP and HTTPS listeners, the response compression of the routes that set
 * none ({@link Compression#NONE}: they compress nothing).
 */
public record Listener(String name, String address, int port, Protocol protocol, ListenerTls tls,
                       HttpsRedirect httpsRedirect, Tunnels tunnels, int egressPort, ListenerLimits limits,
                       boolean proxyProtocol, ListenerEdge edge, Compression compression) {

  /** Without a compression default for its routes. */
  public Listener(String name, String address, int port, Protocol protocol, ListenerTls tls,
                  HttpsRedirect httpsRedirect, Tunnels tunnels, int egressPort, ListenerLimits limits,
                  boolean proxyProtocol, ListenerEdge edge) {
    this(name, address, port, protocol, tls, httpsRedirect, tunnels, egressPort, limits, proxyProtocol, edge,
        Compression.NONE);
  }

  /** With the default {@link ListenerEdge}. */
  public Listener(String name, String address, int port, Protocol protocol, ListenerTls tls,
                  HttpsRedirect httpsRedirect, Tunnels tunnels, int egressPort, ListenerLimits limits,
                  boolean proxyProtocol) {
    this(name, address, port, protocol, tls, httpsRedirect, tunnels, egressPort, limits, proxyProtocol,
        ListenerEdge.DEFAULT);
  }

  /** A listener that serves what it receives, with default tunnel and client limits, edge and no PROXY protocol. */
  public Listener(String name, String address, int port, Protocol protocol, ListenerTls tls) {
    this(name, address, port, protocol, tls, HttpsRedirect.NONE, Tunnels.defaultFor(protocol), 0, ListenerLimits.DEFAULT, false);
  }

  /** What a listener speaks. */
  public enum Protocol { HTTP, HTTPS, TLS_PASSTHROUGH, EGRESS, TCP }

  /**
   * Answer every request with a redirect to the same host and path over HTTPS on {@code port}
   * (443 is left out of the URL), with {@code status} (301 unless configured).
   */
  public record HttpsRedirect(int port, int status) {
    public static final HttpsRedirect NONE = new HttpsRedirect(0, 0);

    public boolean enabled() {
      return port > 0;
    }
  }

  /**
   * Tunnel limits: closed after {@code idleTimeout} without a byte either way, or {@code maxDuration}
   * after opening ({@link Duration#ZERO}: no limit); at most {@code maxActive} open at once on the listener.
   */
  public record Tunnels(Duration idleTimeout, Duration maxDuration, int maxActive) {
    /** CONNECT, passthrough and TCP tunnels: idle for an hour, as Envoy's {@code tcp_proxy} {@code idle_timeout}. */
    public static final Tunnels DEFAULT = new Tunnels(Duration.ofHours(1), Duration.ZERO, 10_000);
    /**
     * WebSocket tunnels on HTTP and HTTPS listeners: idle for 5 minutes, as Envoy's
     * {@code stream_idle_timeout} (NGINX's {@code proxy_read_timeout} is 60 s), which is also
     * the listener's default connection {@code idleTimeout} that bounded them before.
     */
    public static final Tunnels WEBSOCKET = new Tunnels(Duration.ofMinutes(5), Duration.ZERO, 10_000);

    /** The defaults of a listener speaking {@code protocol}. */
    public static Tunnels defaultFor(Protocol protocol) {
      return protocol == Protocol.HTTP || protocol == Protocol.HTTPS ? WEBSOCKET : DEFAULT;
    }
  }
}
