package io.gatehouse.certs;

import io.gatehouse.routes.ListenerTls;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a listener's {@link ListenerTls} and its {@link CertStore} into Vert.x server TLS options:
 * TLS 1.2 and 1.3 only (never 1.0/1.1), forward-secret AEAD ciphers, SNI, ALPN h2 + http/1.1,
 * client certificates as configured. {@link #sslOptions} is the same set for {@code updateSSLOptions}.
 */
public final class TlsServerOptions {
  /** Used when config lists no ciphers. TLS 1.3 suites are all AEAD; BoringSSL always enables them. */
  public static final List<String> DEFAULT_CIPHERS = List.of(
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private static final List<HttpVersion> ALPN = List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1);

  private TlsServerOptions() {}

  /** Sets ssl, the engine and every TLS option of {@code options} for this listener. */
  public static HttpServerOptions apply(HttpServerOptions options, ListenerTls tls, CertStore store, TlsEngine engine) {
    ServerSSLOptions ssl = sslOptions(tls, store);
    applyTls(options, ssl, engine);
    options.setUseAlpn(ssl.isUseAlpn()).setAlpnVersions(ALPN);
    return options;
  }

  /**
   * Sets ssl, the engine and the TLS options of a TCP listener that terminates TLS: as an HTTPS
   * listener's, but without ALPN (what it forwards is not HTTP, so it offers no protocol).
   */
  public static NetServerOptions applyTcp(NetServerOptions options, ListenerTls tls, CertStore store, TlsEngine engine) {
    applyTls(options, sslOptions(tls, store), engine);
    options.setUseAlpn(false);
    return options;
  }

  /** What HTTPS and TLS-terminating TCP listeners share: engine, SNI, key and trust, client auth, protocols, suites. */
  private static void applyTls(NetServerOptions options, ServerSSLOptions ssl, TlsEngine engine) {
    options.setSsl(true)
        .setSslEngineOptions(engine.engineOptions())
        .setSni(ssl.isSni())
        .setKeyCertOptions(ssl.getKeyCertOptions())
        .setTrustOptions(ssl.getTrustOptions())
        .setClientAuth(ssl.getClientAuth())
        .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols());
    for (String suite : List.copyOf(options.getEnabledCipherSuites())) {
      options.removeEnabledCipherSuite(suite);
    }
    ssl.getEnabledCipherSuites().forEach(options::addEnabledCipherSuite);
  }

  /** The listener's TLS options alone: what {@code HttpServer.updateSSLOptions} takes on rotation. */
  public static ServerSSLOptions sslOptions(ListenerTls tls, CertStore store) {
    ServerSSLOptions ssl = new ServerSSLOptions()
        .setSni(true)
        .setUseAlpn(true)
        .setApplicationLayerProtocols(List.of("h2", "http/1.1"))
        .setKeyCertOptions(store.keyCertOptions())
        .setClientAuth(clientAuth(tls.clientAuth()))
        .setEnabledSecureTransportProtocols(protocols(tls.minVersion()));
    // Mesh clients: the gateway sets the mesh root's trust (it follows the workload identity).
    if (tls.clientAuth() != ListenerTls.ClientAuth.NONE && !tls.meshClients()) {
      ssl.setTrustOptions(store.clientTrust().orElseThrow(() -> new IllegalArgumentException(
          "clientAuth " + tls.clientAuth() + " needs clientCa, and the CertStore has none")));
    }
    (tls.ciphers().isEmpty() ? DEFAULT_CIPHERS : tls.ciphers()).forEach(ssl::addEnabledCipherSuite);
    return ssl;
  }

  /** TLSv1.3 alone, or TLSv1.2 and TLSv1.3. Anything older is raised to TLSv1.2: 1.0/1.1 are never served. */
  static Set<String> protocols(String minVersion) {
    String version = minVersion == null || minVersion.isBlank() ? "TLSv1.2" : minVersion.trim();
    return switch (version) {
      case "TLSv1.3" -> new LinkedHashSet<>(List.of("TLSv1.3"));
      case "TLSv1.2", "TLSv1.1", "TLSv1", "TLSv1.0" -> new LinkedHashSet<>(List.of("TLSv1.2", "TLSv1.3"));
      default -> throw new IllegalArgumentException("minVersion: " + minVersion + " (expected: TLSv1.2 or TLSv1.3)");
    };
  }

  private static ClientAuth clientAuth(ListenerTls.ClientAuth mode) {
    return switch (mode) {
      case NONE -> ClientAuth.NONE;
      case PERMISSIVE -> ClientAuth.REQUEST;
      case STRICT -> ClientAuth.REQUIRED;
    };
  }
}
