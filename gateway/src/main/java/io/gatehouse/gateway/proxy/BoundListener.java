package io.gatehouse.gateway.proxy;

import io.gatehouse.certs.ListenerTlsSetup;
import io.vertx.core.Future;
import java.time.Duration;

/** One deployed instance of a listener, whatever it speaks: its bound port and its graceful stop. */
public interface BoundListener {
  /** The port bound (useful when the config says 0), or -1 before binding. */
  int actualPort();

  /** Stops accepting and lets open connections finish within {@code timeout}. */
  Future<Void> shutdown(Duration timeout);

  /**
   * Serves {@code next}'s certificates to new handshakes (rotation); established connections keep
   * theirs. Listeners that terminate no TLS ignore it.
   */
  default Future<Void> updateTls(ListenerTlsSetup next) {
    return Future.succeededFuture();
  }
}
