package io.gatehouse.routes;

import java.util.Optional;

/**
 * The admin listener. Without a token file it must bind to loopback; with one, every call but
 * the health probes needs {@code Authorization: Bearer <token>}. {@code tls} is
 * {@link ListenerTls#NONE} for plain HTTP, or a server certificate and, for mutual TLS, a client CA.
 */
public record Admin(int port, String address, Optional<String> tokenFile, ListenerTls tls) {
  public static final Admin DEFAULT = new Admin(9901, "127.0.0.1", Optional.empty());

  /** Plain HTTP. */
  public Admin(int port, String address, Optional<String> tokenFile) {
    this(port, address, tokenFile, ListenerTls.NONE);
  }

  /** Whether the admin listener serves HTTPS. */
  public boolean secure() {
    return !tls.certificates().isEmpty();
  }
}
