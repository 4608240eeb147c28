package io.gatehouse.routes;

/**
 * One port the gateway accepts connections on. {@code tls} is {@link ListenerTls#NONE} unless
 * HTTPS; {@code httpsRedirect} is {@link HttpsRedirect#NONE} unless an HTTP listener sends every
 * request to HTTPS.
 */
public record Listener(String name, String address, int port, Protocol protocol, ListenerTls tls,
                       HttpsRedirect httpsRedirect) {

  /** A listener that serves what it receives. */
  public Listener(String name, String address, int port, Protocol protocol, ListenerTls tls) {
    this(name, address, port, protocol, tls, HttpsRedirect.NONE);
  }

  /** What a listener speaks. */
  public enum Protocol { HTTP, HTTPS, TLS_PASSTHROUGH, EGRESS }

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
}
