package io.gatehouse.gateway.upstream;

import io.vertx.core.Vertx;
import io.vertx.core.net.TrustOptions;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Upstream TLS with {@code subjectAltNames} (Envoy's {@code match_subject_alt_names}, a
 * DestinationRule's {@code subjectAltNames}): the chain is verified as usual (against {@code caCert}
 * or the JVM's trust store), then the leaf must carry one of the names as a DNS SAN (a wildcard SAN
 * {@code *.example.com} covers one label, as RFC 6125 §6.4.3 and Envoy allow), a URI SAN or an IP
 * SAN. The names replace hostname verification. Vert.x loads the base trust where it loads any PEM
 * trust (never on an event loop); this wraps what it loaded.
 */
final class NamedPeerTrust implements TrustOptions {
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;
  private static final int SAN_IP = 7;

  private final TrustOptions base;
  private final List<String> names;
  private final String peer;
  /** Built once: Vert.x asks for the factory and then for the mapper when it builds a client's TLS context. */
  private TrustManagerFactory factory;

  /** {@code base}: the CA file's trust, or null for the JVM's trust store. */
  NamedPeerTrust(TrustOptions base, List<String> names, String peer) {
    this.base = base;
    this.names = List.copyOf(names);
    this.peer = peer;
  }

  @Override
  public TrustOptions copy() {
    return new NamedPeerTrust(base == null ? null : base.copy(), names, peer);
  }

  @Override
  public synchronized TrustManagerFactory getTrustManagerFactory(Vertx vertx) throws Exception {
    if (factory == null) {
      factory = build(vertx);
    }
    return factory;
  }

  private TrustManagerFactory build(Vertx vertx) throws Exception {
    TrustManagerFactory loaded;
    if (base != null) {
      loaded = base.getTrustManagerFactory(vertx);
    } else {
      loaded = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      loaded.init((KeyStore) null);
    }
    X509ExtendedTrustManager chain = null;
    for (TrustManager manager : loaded.getTrustManagers()) {
      if (manager instanceof X509ExtendedTrustManager x) {
        chain = x;
        break;
      }
    }
    if (chain == null) {
      throw new IllegalStateException("no X.509 trust manager for the " + peer);
    }
    return TrustOptions.wrap(new Checked(chain, names, peer)).getTrustManagerFactory(vertx);
  }

  @Override
  public Function<String, TrustManager[]> trustManagerMapper(Vertx vertx) throws Exception {
    TrustManager[] managers = getTrustManagerFactory(vertx).getTrustManagers();
    return serverName -> managers;
  }

  /** Whether {@code cert} carries one of {@code names}; {@code null} when it does, else what it carries. */
  static String mismatch(X509Certificate cert, List<String> names) {
    Collection<List<?>> sans;
    try {
      sans = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return "(unreadable SANs: " + e.getMessage() + ")";
    }
    if (sans == null || sans.isEmpty()) {
      return "(no SAN)";
    }
    StringBuilder found = new StringBuilder();
    for (List<?> san : sans) {
      if (san.size() < 2 || !(san.get(0) instanceof Integer type) || !(san.get(1) instanceof String value)) {
        continue;
      }
      for (String name : names) {
        boolean match = switch (type) {
          case SAN_DNS -> dnsMatches(value, name);
          case SAN_URI -> value.equals(name);
          case SAN_IP -> sameAddress(value, name);
          default -> false;
        };
        if (match) {
          return null;
        }
      }
      if (type == SAN_DNS || type == SAN_URI || type == SAN_IP) {
        found.append(found.length() == 0 ? "" : ",").append(value);
      }
    }
    return found.length() == 0 ? "(no DNS, URI or IP SAN)" : found.toString();
  }

  /** {@code san} (from the certificate, maybe {@code *.example.com}) covers {@code name}, without case. */
  static boolean dnsMatches(String san, String name) {
    String s = san.toLowerCase(Locale.ROOT);
    String n = name.toLowerCase(Locale.ROOT);
    if (s.equals(n)) {
      return true;
    }
    if (!s.startsWith("*.") || s.length() < 3) {
      return false;
    }
    int dot = n.indexOf('.');
    return dot > 0 && n.substring(dot).equals(s.substring(1));
  }

  private static boolean sameAddress(String san, String name) {
    if (san.equalsIgnoreCase(name)) {
      return true;
    }
    // IPv6 written differently (::1 and 0:0:0:0:0:0:0:1): compare parsed literals, never resolving a name.
    if (!isIpLiteral(san) || !isIpLiteral(name)) {
      return false;
    }
    try {
      return InetAddress.getByName(san).equals(InetAddress.getByName(name));
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static boolean isIpLiteral(String s) {
    return s.indexOf(':') >= 0 || s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
  }

  private static final class Checked extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager chain;
    private final List<String> names;
    private final String peer;

    Checked(X509ExtendedTrustManager chain, List<String> names, String peer) {
      this.chain = chain;
      this.names = names;
      this.peer = peer;
    }

    private void names(X509Certificate[] certs) throws CertificateException {
      String found = mismatch(certs[0], names);
      if (found != null) {
        throw new CertificateException(peer + ": certificate names " + found + " are not one of the expected " + names);
      }
    }

    @Override public void checkServerTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
        throws CertificateException {
      chain.checkServerTrusted(certs, authType, engine);
      names(certs);
    }

    @Override public void checkServerTrusted(X509Certificate[] certs, String authType, Socket socket)
        throws CertificateException {
      chain.checkServerTrusted(certs, authType, socket);
      names(certs);
    }

    @Override public void checkServerTrusted(X509Certificate[] certs, String authType) throws CertificateException {
      chain.checkServerTrusted(certs, authType);
      names(certs);
    }

    @Override public void checkClientTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("upstream trust does not verify clients");
    }

    @Override public void checkClientTrusted(X509Certificate[] certs, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("upstream trust does not verify clients");
    }

    @Override public void checkClientTrusted(X509Certificate[] certs, String authType) throws CertificateException {
      throw new CertificateException("upstream trust does not verify clients");
    }

    @Override public X509Certificate[] getAcceptedIssuers() {
      return ((X509TrustManager) chain).getAcceptedIssuers();
    }
  }
}
