package io.gatehouse.routes;

import java.util.Optional;

/**
 * The admin listener. Without a token file it must bind to loopback; with one, every call but
 * the health probes needs {@code Authorization: Bearer <token>}.
 */
public record Admin(int port, String address, Optional<String> tokenFile) {
  public static final Admin DEFAULT = new Admin(9901, "127.0.0.1", Optional.empty());
}
