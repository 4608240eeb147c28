package io.gatehouse.gateway.proxy;

import io.gatehouse.certs.ListenerTlsSetup;
import io.vertx.core.Future;
import java.time.Duration;

/** One deployed instance of a listener, whatever it speaks: its bound port and its graceful stop. */
public interface BoundListener {
  /** The port bound (useful when the config says 0), or -1 before binding. */
  int actualPort();

  /**
   * A drain starts: the listener still accepts, but tells clients to go elsewhere as their
   * requests are answered (HTTP/2 GOAWAY; HTTP/1.1 gets {@code Connection: close} from the
   * exchange). Listeners whose protocol has no such signal ignore it.
   */
  default Future<Void> startDrain() {
    return Future.succeededFuture();
  }

  /**
   * Closes the listening socket, and nothing else yet: connections already accepted keep being
   * served until {@link #shutdown}. Listeners that cannot do it alone stop accepting in shutdown.
   */
  default Future<Void> stopAccepting() {
    return Future.succeededFuture();
  }

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
