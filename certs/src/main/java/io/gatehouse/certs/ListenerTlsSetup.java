package io.gatehouse.certs;

import io.gatehouse.routes.ListenerTls;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;

/** What a TLS-terminating listener needs: its loaded certificates and the engine (BoringSSL). */
public record ListenerTlsSetup(CertStore store, TlsEngine engine) {

  /** Whether {@code next} serves other certificates than this (its files' digest differs). */
  public boolean differs(ListenerTlsSetup next) {
    return !store.version().equals(next.store().version());
  }

  /** Gives {@code server}'s new handshakes this setup's certificates, under the listener's {@code config}. */
  public Future<Void> applyTo(HttpServer server, ListenerTls config) {
    return server.updateSSLOptions(TlsServerOptions.sslOptions(config, store)).mapEmpty();
  }

  /** The same for a TCP listener's {@code server} (no ALPN: the bytes inside are not HTTP). */
  public Future<Void> applyTo(NetServer server, ListenerTls config) {
    return server.updateSSLOptions(TlsServerOptions.sslOptions(config, store).setUseAlpn(false)).mapEmpty();
  }
}
