package io.gatehouse.certs;

import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.ListenerTls.CertificateRef;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The TLS material of one HTTPS listener, loaded and validated from its {@link ListenerTls}:
 * one key manager per certificate, chosen by SNI (exact host, then one-label wildcard, then the
 * first entry), and the client CA bundle. Immutable; a reload builds a new store.
 */
public final class CertStore {
  private final List<ServingCertificate> certificates;
  private final SniSelector<ServingCertificate> selector;
  private final KeyCertOptions keyCertOptions;
  private final Optional<TrustOptions> clientTrust;
  private final String version;

  private CertStore(List<ServingCertificate> certificates, Optional<TrustOptions> clientTrust, String version) {
    this.certificates = List.copyOf(certificates);
    this.selector = new SniSelector<>(certificates, ServingCertificate::hosts, certificates.get(0));
    this.keyCertOptions = new SniKeyCertOptions(selector, certificates.get(0), version);
    this.clientTrust = clientTrust;
    this.version = version;
  }

  /** Reads and validates every file of {@code tls}; blocking, for the config writer thread. */
  public static CertStore load(ListenerTls tls) throws CertificateProblem {
    return load(tls, Clock.systemUTC());
  }

  /** As {@link #load(ListenerTls)}, judging certificate validity at {@code clock}'s now. */
  public static CertStore load(ListenerTls tls, Clock clock) throws CertificateProblem {
    if (tls.certificates().isEmpty()) {
      throw new CertificateProblem("tls.certificates is empty: an HTTPS listener needs at least one certificate");
    }
    MessageDigest digest = sha256();
    Instant now = clock.instant();
    List<ServingCertificate> loaded = new ArrayList<>();
    for (CertificateRef ref : tls.certificates()) {
      byte[] cert = PemReader.read(ref.cert());
      byte[] key = PemReader.read(ref.key());
      loaded.add(ServingCertificate.of(ref, cert, key, now));
      update(digest, String.join(",", ref.hosts()).getBytes(StandardCharsets.UTF_8));
      update(digest, ref.cert().getBytes(StandardCharsets.UTF_8));
      update(digest, cert);
      update(digest, ref.key().getBytes(StandardCharsets.UTF_8));
      update(digest, key);
    }
    Optional<TrustOptions> trust = clientTrust(tls, digest);
    return new CertStore(loaded, trust, HexFormat.of().formatHex(digest.digest()));
  }

  private static Optional<TrustOptions> clientTrust(ListenerTls tls, MessageDigest digest) throws CertificateProblem {
    if (tls.clientCa().isEmpty()) {
      if (tls.clientAuth() != ListenerTls.ClientAuth.NONE && !tls.meshClients()) {
        throw new CertificateProblem("clientAuth " + tls.clientAuth() + " needs clientCa (the PEM bundle that"
            + " signs client certificates)");
      }
      return Optional.empty();
    }
    byte[] bundle = PemReader.read(tls.clientCa());
    PemReader.certificates(tls.clientCa(), bundle); // fail here, with the file name, not at the first handshake
    update(digest, tls.clientCa().getBytes(StandardCharsets.UTF_8));
    update(digest, bundle);
    return Optional.of(new PemTrustOptions().addCertValue(Buffer.buffer(bundle)));
  }

  /** Length-prefixed, so that moving bytes from one file to the next changes the digest. */
  private static void update(MessageDigest digest, byte[] bytes) {
    digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
    digest.update(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Key material for Vert.x: the first entry by default, the SNI choice when the client sent a name. */
  public KeyCertOptions keyCertOptions() {
    return keyCertOptions;
  }

  /** The CA bundle client certificates must chain to; empty when {@code clientCa} is not set. */
  public Optional<TrustOptions> clientTrust() {
    return clientTrust;
  }

  /** The certificate served for {@code serverName} (null or unknown: the default). */
  public CertificateInfo select(String serverName) {
    return selector.select(serverName).info();
  }

  /**
   * Whether the certificate served for {@code serverName} (as {@link #select}) is valid for
   * {@code host}: exact or one-label wildcard DNS SAN, or IP SAN (RFC 6125). A request for a host
   * the connection's certificate does not cover is misdirected (RFC 9110 §15.5.20: 421), while h2
   * connection coalescing across names one certificate covers stays allowed (RFC 9113 §9.1.1).
   * Allocates nothing for a lowercase name.
   */
  public boolean covers(String serverName, String host) {
    return selector.select(serverName).coverage().covers(host);
  }

  /** Every certificate entry, in config order; the first is the default. */
  public List<CertificateInfo> certificates() {
    return certificates.stream().map(ServingCertificate::info).toList();
  }

  /**
   * SHA-256 over the loaded files' bytes and the entries' hosts and paths: equal versions serve
   * exactly the same, so a reload (rotation) with an unchanged version can be skipped.
   */
  public String version() {
    return version;
  }
}
