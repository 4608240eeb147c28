package io.gatehouse.certs;

import io.vertx.core.Vertx;
import io.vertx.core.net.KeyCertOptions;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;

/**
 * Hands Vert.x the key managers a {@link CertStore} precomputed. Equal when built from the same
 * store version, so {@code HttpServer.updateSSLOptions} skips a reload that changed nothing.
 */
final class SniKeyCertOptions implements KeyCertOptions {
  private final SniSelector<ServingCertificate> selector;
  private final ServingCertificate fallback;
  private final String version;

  SniKeyCertOptions(SniSelector<ServingCertificate> selector, ServingCertificate fallback, String version) {
    this.selector = selector;
    this.fallback = fallback;
    this.version = version;
  }

  @Override
  public KeyCertOptions copy() {
    return this; // immutable
  }

  @Override
  public KeyManagerFactory getKeyManagerFactory(Vertx vertx) {
    return fallback.keyManagerFactory();
  }

  /**
   * Null for names served by the default certificate: Vert.x then reuses its default context
   * instead of building (and caching, 16 names at most) one SSL context per unknown name.
   */
  @Override
  public Function<String, KeyManagerFactory> keyManagerFactoryMapper(Vertx vertx) {
    return serverName -> {
      ServingCertificate selected = selector.select(serverName);
      return selected == fallback ? null : selected.keyManagerFactory();
    };
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SniKeyCertOptions that && version.equals(that.version);
  }

  @Override
  public int hashCode() {
    return version.hashCode();
  }
}
