package io.gatehouse.gateway.upstream;

import io.gatehouse.routes.UpstreamTls;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.Set;

/**
 * TLS the gateway originates to an upstream: certificate verification always on (against
 * {@code caCert}, else the JVM's trust store), hostname verification unless turned off, SNI sent,
 * TLS 1.2+ only, and an optional client certificate for mesh mTLS.
 */
final class UpstreamTlsOptions {
  private UpstreamTlsOptions() {}

  static void apply(HttpClientOptions options, UpstreamTls tls) {
    options.setSsl(true)
        .setForceSni(true)
        .setVerifyHost(tls.verifyHostname())
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
    if (!tls.caCert().isEmpty()) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(tls.caCert()));
    }
    if (!tls.clientCert().isEmpty()) {
      options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.clientCert()).setKeyPath(tls.clientKey()));
    }
  }
}
