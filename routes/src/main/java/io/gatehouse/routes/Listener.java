package io.gatehouse.routes;

import static java.util.Objects.requireNonNull;

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

  /** The address of a listener that names none: every IPv4 interface. */
  public static final String ANY_ADDRESS = "0.0.0.0";

  /**
   * A listener named {@code name} speaking {@code protocol} on {@code port}, with what native
   * config means by every key it leaves out: {@link #ANY_ADDRESS}, no TLS, no HTTPS redirect, the
   * protocol's {@link Tunnels#defaultFor default tunnels}, no egress port, the default limits and
   * edge, no PROXY protocol, no compression default for its routes.
   */
  public static Builder builder(String name, int port, Protocol protocol) {
    return new Builder(name, port, protocol);
  }

  /** This listener serving with {@code tls} instead (every other part kept). */
  public Listener withTls(ListenerTls tls) {
    return new Listener(name, address, port, protocol, tls, httpsRedirect, tunnels, egressPort, limits, proxyProtocol,
        edge, compression);
  }

  /** Builds a {@link Listener}; see {@link Listener#builder} for the defaults. Setters reject null. */
  public static final class Builder {
    private final String name;
    private final int port;
    private final Protocol protocol;
    private String address = ANY_ADDRESS;
    private ListenerTls tls = ListenerTls.NONE;
    private HttpsRedirect httpsRedirect = HttpsRedirect.NONE;
    private Tunnels tunnels;
    private int egressPort;
    private ListenerLimits limits = ListenerLimits.DEFAULT;
    private boolean proxyProtocol;
    private ListenerEdge edge = ListenerEdge.DEFAULT;
    private Compression compression = Compression.NONE;

    private Builder(String name, int port, Protocol protocol) {
      this.name = requireNonNull(name, "name");
      this.port = port;
      this.protocol = requireNonNull(protocol, "protocol");
      this.tunnels = Tunnels.defaultFor(protocol);
    }

    /** An IP literal or {@code localhost}. */
    public Builder address(String address) {
      this.address = requireNonNull(address, "address");
      return this;
    }

    public Builder tls(ListenerTls tls) {
      this.tls = requireNonNull(tls, "tls");
      return this;
    }

    public Builder httpsRedirect(HttpsRedirect httpsRedirect) {
      this.httpsRedirect = requireNonNull(httpsRedirect, "httpsRedirect");
      return this;
    }

    public Builder tunnels(Tunnels tunnels) {
      this.tunnels = requireNonNull(tunnels, "tunnels");
      return this;
    }

    /** TLS_PASSTHROUGH only; 0: connections go by routes. */
    public Builder egressPort(int egressPort) {
      this.egressPort = egressPort;
      return this;
    }

    public Builder limits(ListenerLimits limits) {
      this.limits = requireNonNull(limits, "limits");
      return this;
    }

    public Builder proxyProtocol(boolean proxyProtocol) {
      this.proxyProtocol = proxyProtocol;
      return this;
    }

    public Builder edge(ListenerEdge edge) {
      this.edge = requireNonNull(edge, "edge");
      return this;
    }

    /** The compression of the routes that set none. */
    public Builder compression(Compression compression) {
      this.compression = requireNonNull(compression, "compression");
      return this;
    }

    public Listener build() {
      return new Listener(name, address, port, protocol, tls, httpsRedirect, tunnels, egressPort, limits, proxyProtocol,
          edge, compression);
    }
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
