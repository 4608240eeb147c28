package io.gatehouse.routes;

import java.util.List;

/**
 * TLS settings of an HTTPS listener. Certificates are chosen by SNI: exact host, then wildcard,
 * then the first entry. Paths are absolute (the loader resolves them against the config file).
 * {@code clientCa} is empty when client certificates are not asked for. {@code allowJdkFallback}
 * lets the listener run on the JDK's TLS engine when BoringSSL cannot load (otherwise it fails).
 * {@code meshClients}: client certificates are verified against the mesh root of the
 * {@link MeshIdentity} instead of {@code clientCa} (PERMISSIVE: mesh clients and clients without a
 * certificate; STRICT: mesh mTLS only); the peer's SPIFFE id goes into XFCC and authorization.
 */
public record ListenerTls(List<CertificateRef> certificates, ClientAuth clientAuth, String clientCa,
                          String minVersion, List<String> ciphers, boolean allowJdkFallback, boolean meshClients) {
  public ListenerTls {
    certificates = List.copyOf(certificates);
    ciphers = List.copyOf(ciphers);
  }

  /** Client certificates (if any) verified against {@code clientCa}. */
  public ListenerTls(List<CertificateRef> certificates, ClientAuth clientAuth, String clientCa,
                     String minVersion, List<String> ciphers, boolean allowJdkFallback) {
    this(certificates, clientAuth, clientCa, minVersion, ciphers, allowJdkFallback, false);
  }

  /** Without the JDK engine fallback: BoringSSL or nothing. */
  public ListenerTls(List<CertificateRef> certificates, ClientAuth clientAuth, String clientCa,
                     String minVersion, List<String> ciphers) {
    this(certificates, clientAuth, clientCa, minVersion, ciphers, false);
  }

  public static final ListenerTls NONE =
      new ListenerTls(List.of(), ClientAuth.NONE, "", "TLSv1.2", List.of());

  /** Whether (and how strictly) the listener asks clients for a certificate. */
  public enum ClientAuth { NONE, PERMISSIVE, STRICT }

  /**
   * A certificate chain and its key, served for {@code hosts} (exact or {@code *.} wildcard). With
   * {@code dev}, cert and key are empty: the gateway issues a localhost certificate from its dev CA.
   */
  public record CertificateRef(List<String> hosts, String cert, String key, boolean dev) {
    public CertificateRef {
      hosts = List.copyOf(hosts);
    }

    /** A certificate read from {@code cert} and {@code key} files. */
    public CertificateRef(List<String> hosts, String cert, String key) {
      this(hosts, cert, key, false);
    }
  }
}
