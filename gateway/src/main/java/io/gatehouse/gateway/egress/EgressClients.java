package io.gatehouse.gateway.egress;

import io.gatehouse.routes.Egress;
import io.gatehouse.routes.EgressRule;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every egress listener shares: the resolver, a TCP client for tunnels, and pooled HTTP
 * clients, plain and (per CA file) originating TLS. Vert.x clients run each connection on the
 * caller's event loop, so one set serves all listener instances.
 */
public final class EgressClients implements AutoCloseable {
  static final int CONNECT_TIMEOUT_MILLIS = 5_000;

  private final Vertx vertx;
  private final EgressResolver resolver;
  private final NetClient tcp;
  private final HttpClient plain;
  private final Map<String, HttpClient> tls = new ConcurrentHashMap<>();
  private final AutoCloseable dns;

  private EgressClients(Vertx vertx, EgressResolver resolver, AutoCloseable dns) {
    this.vertx = vertx;
    this.resolver = resolver;
    this.dns = dns;
    this.tcp = vertx.createNetClient(new NetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MILLIS).setTcpNoDelay(true));
    this.plain = vertx.httpClientBuilder().with(options()).with(new PoolOptions().setHttp1MaxSize(256)).build();
  }

  /**
   * Creates the clients, resolving with the system's DNS; names in {@code hostsFile} (default: the
   * system's hosts file) are answered from it. Reads the file, so call it off the event loops.
   */
  public static EgressClients start(Vertx vertx, Optional<Path> hostsFile) {
    NettyDnsLookup dns = NettyDnsLookup.create(hostsFile);
    return new EgressClients(vertx, EgressResolver.of(dns), dns);
  }

  /** Stops the DNS resolver's thread, if it started; the HTTP and TCP clients close with Vert.x. */
  @Override public void close() {
    try {
      dns.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Builds the TLS clients {@code egress} will originate with, on the config writer thread, so an
   * event loop never reads a CA file. Clients are kept by CA path for the life of the process.
   */
  public void prepare(Egress egress) {
    for (EgressRule rule : egress.allow()) {
      if (rule.originateTls()) {
        tls(rule.caCert());
      }
    }
  }

  EgressResolver resolver() {
    return resolver;
  }

  NetClient tcp() {
    return tcp;
  }

  HttpClient plain() {
    return plain;
  }

  /**
   * A client that originates TLS: certificates verified against {@code caCert} (empty: the JVM's
   * trust store), the host name checked, SNI sent, TLS 1.2+.
   */
  HttpClient tls(String caCert) {
    return tls.computeIfAbsent(caCert, ca -> {
      HttpClientOptions options = options().setSsl(true).setForceSni(true).setVerifyHost(true)
          .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
      if (!ca.isEmpty()) {
        options.setTrustOptions(new PemTrustOptions().addCertPath(ca));
      }
      return vertx.httpClientBuilder().with(options).with(new PoolOptions().setHttp1MaxSize(256)).build();
    });
  }

  private static HttpClientOptions options() {
    return new HttpClientOptions().setKeepAlive(true).setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
        .setMaxHeaderSize(32 * 1024).setDecompressionSupported(false);
  }
}
