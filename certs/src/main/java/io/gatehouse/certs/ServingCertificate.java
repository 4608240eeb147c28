package io.gatehouse.certs;

import io.gatehouse.routes.ListenerTls.CertificateRef;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManagerFactory;

/**
 * One validated certificate entry of a listener: the chain and key of a {@link CertificateRef},
 * the host names it serves (lowercase, no trailing dot), its ready-to-use key manager, and the
 * hosts it is valid for ({@link HostCoverage}: what a request's Host is checked against).
 */
record ServingCertificate(CertificateInfo info, List<String> hosts, KeyManagerFactory keyManagerFactory,
                          HostCoverage coverage) {
  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;
  // In-memory only: the keystore never leaves this class, the password protects nothing.
  private static final char[] STORE_PASSWORD = "gatehouse".toCharArray();

  ServingCertificate {
    hosts = List.copyOf(hosts);
  }

  /** Parses and validates a pair from the bytes of its files, read by the caller. */
  static ServingCertificate of(CertificateRef ref, byte[] certPem, byte[] keyPem, Instant now)
      throws CertificateProblem {
    List<X509Certificate> chain = PemReader.certificates(ref.cert(), certPem);
    PrivateKey key = PemReader.privateKey(ref.key(), keyPem);
    X509Certificate leaf = chain.get(0);
    checkValidity(ref.cert(), leaf, now);
    checkMatch(ref, key, leaf.getPublicKey());
    List<String> dnsNames = sans(ref.cert(), leaf, SAN_DNS);
    List<String> hosts = ref.hosts().isEmpty() ? (dnsNames.isEmpty() ? commonNames(leaf) : dnsNames) : ref.hosts();
    CertificateInfo info = new CertificateInfo(ref.cert(), leaf.getSubjectX500Principal().getName(), dnsNames,
        leaf.getNotAfter().toInstant(), fingerprint(ref.cert(), leaf));
    HostCoverage coverage = new HostCoverage(dnsNames.isEmpty() ? commonNames(leaf) : dnsNames,
        sans(ref.cert(), leaf, SAN_IP));
    return new ServingCertificate(info, hosts.stream().map(ServingCertificate::normalize).toList(),
        keyManagerFactory(ref, key, chain), coverage);
  }

  /** Lowercase, without a trailing dot: the form SNI names are compared in. */
  static String normalize(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }

  private static void checkValidity(String file, X509Certificate leaf, Instant now) throws CertificateProblem {
    Instant notAfter = leaf.getNotAfter().toInstant();
    Instant notBefore = leaf.getNotBefore().toInstant();
    if (now.isAfter(notAfter)) {
      throw new CertificateProblem(file + " expired on " + notAfter);
    }
    if (now.isBefore(notBefore)) {
      throw new CertificateProblem(file + " is not valid before " + notBefore);
    }
  }

  /** Signs a random challenge and verifies it with the certificate's key: works for every key type. */
  private static void checkMatch(CertificateRef ref, PrivateKey key, PublicKey certificateKey)
      throws CertificateProblem {
    String mismatch = ref.key() + " does not match certificate " + ref.cert();
    if (!key.getAlgorithm().equals(certificateKey.getAlgorithm())) {
      throw new CertificateProblem(mismatch + " (" + key.getAlgorithm() + " key, " + certificateKey.getAlgorithm()
          + " certificate)");
    }
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
      default -> throw new CertificateProblem(ref.key() + ": unsupported key algorithm " + key.getAlgorithm()
          + " (expected: RSA, EC, Ed25519)");
    };
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificateKey);
      verifier.update(challenge);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false; // e.g. an EC key on another curve than the certificate's
    }
    if (!matches) {
      throw new CertificateProblem(mismatch);
    }
  }

  /** The leaf's subject alternative names of one type (2: DNS, 7: IP address), as the JDK writes them. */
  private static List<String> sans(String file, X509Certificate leaf, int wanted) throws CertificateProblem {
    Collection<List<?>> sans;
    try {
      sans = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new CertificateProblem(file + ": unreadable subject alternative names: " + e.getMessage(), e);
    }
    List<String> names = new ArrayList<>();
    if (sans != null) {
      for (List<?> san : sans) {
        if (san.size() == 2 && san.get(0) instanceof Integer type && type == wanted) {
          names.add(san.get(1).toString());
        }
      }
    }
    return names;
  }

  private static List<String> commonNames(X509Certificate leaf) {
    try {
      List<String> names = new ArrayList<>();
      for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          names.add(rdn.getValue().toString());
        }
      }
      return names;
    } catch (InvalidNameException e) {
      return List.of(); // the JDK produced this RFC 2253 name; it parses
    }
  }

  private static String fingerprint(String file, X509Certificate leaf) throws CertificateProblem {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new CertificateProblem(file + ": cannot encode certificate: " + e.getMessage(), e);
    }
  }

  /**
   * Netty's caching factory keeps the key material in native form per alias, so BoringSSL does
   * not re-encode the chain and key on every handshake; with the JDK engine it is a plain factory.
   */
  private static KeyManagerFactory keyManagerFactory(CertificateRef ref, PrivateKey key, List<X509Certificate> chain)
      throws CertificateProblem {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("serving", key, STORE_PASSWORD, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      factory.init(store, STORE_PASSWORD);
      return new OpenSslCachingX509KeyManagerFactory(factory);
    } catch (GeneralSecurityException | IOException e) {
      throw new CertificateProblem(ref.cert() + ", " + ref.key() + ": cannot build a key manager ("
          + e.getClass().getSimpleName() + ")");
    }
  }
}
