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
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HexFormat;
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
  /** How long a client replaced by a CA rotation may finish its requests in flight. */
  static final Duration ROTATION_GRACE = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final EgressResolver resolver;
  private final NetClient tcp;
  private final HttpClient plain;
  private final Map<String, Trusting> tls = new ConcurrentHashMap<>();
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

  /** A TLS-originating client and the SHA-256 of the CA bundle it trusts ("" for the JVM's trust store). */
  private record Trusting(HttpClient client, String digest) {}

  /**
   * Builds the TLS clients {@code egress} will originate with, on the config writer thread, so an
   * event loop never reads a CA file. A CA file whose content changed (rotation) gets a new
   * client; the old one finishes its requests in flight. A file that is not a PEM bundle of
   * certificates throws, and the clients already built stay.
   */
  public void prepare(Egress egress) throws IOException, GeneralSecurityException {
    for (EgressRule rule : egress.allow()) {
      if (!rule.originateTls()) {
        continue;
      }
      String ca = rule.caCert();
      byte[] bundle = ca.isEmpty() ? new byte[0] : Files.readAllBytes(Path.of(ca));
      if (!ca.isEmpty() && CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bundle)).isEmpty()) {
        throw new GeneralSecurityException(ca + ": no certificate in this CA bundle");
      }
      String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bundle));
      Trusting current = tls.get(ca);
      if (current == null || !current.digest().equals(digest)) {
        tls.put(ca, new Trusting(tlsClient(bundle), digest));
        if (current != null) {
          current.client().shutdown(ROTATION_GRACE);
        }
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
   * trust store), the host name checked, SNI sent, TLS 1.2+. Null if {@link #prepare} has not
   * seen {@code caCert}, which cannot happen for an installed snapshot.
   */
  HttpClient tls(String caCert) {
    Trusting trusting = tls.get(caCert); // null only if prepare() had not run: it runs before every install
    return trusting == null ? null : trusting.client();
  }

  private HttpClient tlsClient(byte[] caBundle) {
    HttpClientOptions options = options().setSsl(true).setForceSni(true).setVerifyHost(true)
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
    if (caBundle.length > 0) {
      options.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(caBundle)));
    }
    return vertx.httpClientBuilder().with(options).with(new PoolOptions().setHttp1MaxSize(256)).build();
  }

  private static HttpClientOptions options() {
    return new HttpClientOptions().setKeepAlive(true).setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
        .setMaxHeaderSize(32 * 1024).setDecompressionSupported(false);
  }
}
