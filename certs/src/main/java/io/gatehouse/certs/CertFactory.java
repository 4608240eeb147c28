package io.gatehouse.certs;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues X.509 certificates with BouncyCastle: CAs, server certificates for DNS names and IPs,
 * client certificates with a URI SAN (SPIFFE ids), and certificates outside their validity.
 * For the dev CA and for tests that need real certificates; not a production CA.
 */
public final class CertFactory {
  /** The key pair generated for each certificate. */
  public enum KeyType { EC_P256, RSA_2048 }

  private enum Role { CA, SERVER, CLIENT, WORKLOAD }

  private static final SecureRandom RANDOM = new SecureRandom();
  private final KeyType keyType;
  private final Clock clock;

  public CertFactory(KeyType keyType, Clock clock) {
    this.keyType = keyType;
    this.clock = clock;
  }

  /** ECDSA P-256 keys, validity counted from now. */
  public static CertFactory ecdsa() {
    return new CertFactory(KeyType.EC_P256, Clock.systemUTC());
  }

  /** RSA 2048 keys, validity counted from now. */
  public static CertFactory rsa() {
    return new CertFactory(KeyType.RSA_2048, Clock.systemUTC());
  }

  /** A self-signed root CA. */
  public IssuedCert ca(String commonName, Duration validity) {
    Instant now = clock.instant();
    return issue(null, name(commonName), now, now.plus(validity), Role.CA, List.of());
  }

  /** An intermediate CA signed by {@code issuer}; certificates it signs carry it in their chain. */
  public IssuedCert intermediate(IssuedCert issuer, String commonName, Duration validity) {
    Instant now = clock.instant();
    return issue(issuer, name(commonName), now, now.plus(validity), Role.CA, List.of());
  }

  /** A server certificate for {@code names}: IP literals become IP SANs, the rest DNS SANs; CN is the first. */
  public IssuedCert server(IssuedCert issuer, Duration validity, String... names) {
    Instant now = clock.instant();
    return server(issuer, now, now.plus(validity), List.of(names));
  }

  /** A server certificate valid from {@code notBefore} to {@code notAfter} (in the past, for an expired one). */
  public IssuedCert server(IssuedCert issuer, Instant notBefore, Instant notAfter, List<String> names) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("names: [] (expected: at least one DNS name or IP)");
    }
    List<GeneralName> sans = new ArrayList<>();
    for (String host : names) {
      sans.add(new GeneralName(isIpLiteral(host) ? GeneralName.iPAddress : GeneralName.dNSName, host));
    }
    return issue(issuer, name(names.get(0)), notBefore, notAfter, Role.SERVER, sans);
  }

  /** A server certificate that expired a day ago. */
  public IssuedCert expiredServer(IssuedCert issuer, String... names) {
    Instant now = clock.instant();
    return server(issuer, now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)), List.of(names));
  }

  /** A client certificate whose identity is the URI SAN {@code uri}, e.g. {@code spiffe://cluster.local/ns/a/sa/b}. */
  public IssuedCert client(IssuedCert issuer, Duration validity, String uri) {
    Instant now = clock.instant();
    String commonName = uri.substring(uri.lastIndexOf('/') + 1);
    return issue(issuer, name(commonName.isEmpty() ? "client" : commonName), now, now.plus(validity), Role.CLIENT,
        List.of(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
  }

  /** A mesh workload certificate for {@code spiffeId} (URI SAN, empty subject, server and client auth), as Istio's CA issues. */
  public IssuedCert workload(IssuedCert issuer, Duration validity, String spiffeId) {
    Instant now = clock.instant();
    return issue(issuer, new X500Name(new org.bouncycastle.asn1.x500.RDN[0]), now, now.plus(validity), Role.WORKLOAD,
        List.of(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId)));
  }

  /**
   * What a mesh CA does with a workload's PKCS#10 request: checks its signature and issues, for
   * the request's key, a certificate valid from now for {@code validity} whose SANs are the URI
   * SANs the request asks for (a SPIFFE id), usable for both TLS server and client auth, with an
   * empty subject as Istio's CA issues them. The returned cert has no private key (the requester keeps it).
   */
  public X509Certificate signRequest(IssuedCert issuer, String csrPem, Duration validity) {
    try (org.bouncycastle.openssl.PEMParser parser = new org.bouncycastle.openssl.PEMParser(new java.io.StringReader(csrPem))) {
      if (!(parser.readObject() instanceof org.bouncycastle.pkcs.PKCS10CertificationRequest csr)) {
        throw new IllegalArgumentException("not a PEM certificate request");
      }
      var request = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest(csr);
      if (!csr.isSignatureValid(new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder().build(request.getPublicKey()))) {
        throw new IllegalArgumentException("the request's signature does not verify");
      }
      List<GeneralName> sans = new ArrayList<>();
      for (var attribute : csr.getAttributes(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
        var extensions = org.bouncycastle.asn1.x509.Extensions.getInstance(attribute.getAttrValues().getObjectAt(0));
        GeneralNames names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
        if (names != null) {
          for (GeneralName n : names.getNames()) {
            if (n.getTagNo() == GeneralName.uniformResourceIdentifier) {
              sans.add(n);
            }
          }
        }
      }
      if (sans.isEmpty()) {
        throw new IllegalArgumentException("the request asks for no URI SAN");
      }
      Instant now = clock.instant();
      return issue(issuer, new X500Name(new org.bouncycastle.asn1.x500.RDN[0]), now, now.plus(validity), Role.WORKLOAD, sans,
          new KeyPair(request.getPublicKey(), null)).certificate();
    } catch (java.io.IOException | GeneralSecurityException | OperatorCreationException
             | org.bouncycastle.pkcs.PKCSException e) {
      throw new IllegalArgumentException("cannot sign the request: " + e.getMessage(), e);
    }
  }

  private IssuedCert issue(IssuedCert issuer, X500Name subject, Instant notBefore, Instant notAfter, Role role,
                           List<GeneralName> sans) {
    try {
      return issue(issuer, subject, notBefore, notAfter, role, sans, generate());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue certificate for " + subject + ": " + e.getMessage(), e);
    }
  }

  private IssuedCert issue(IssuedCert issuer, X500Name subject, Instant notBefore, Instant notAfter, Role role,
                           List<GeneralName> sans, KeyPair keys) {
    try {
      X500Name issuerName = issuer == null ? subject
          : X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded());
      PublicKey issuerKey = issuer == null ? keys.getPublic() : issuer.certificate().getPublicKey();
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName,
          new BigInteger(127, RANDOM).add(BigInteger.ONE), Date.from(notBefore), Date.from(notAfter), subject,
          keys.getPublic())
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerKey));
      addRoleExtensions(builder, role, sans);
      var signingKey = issuer == null ? keys.getPrivate() : issuer.privateKey();
      String algorithm = signingKey.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
      X509Certificate certificate = new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(signingKey)));
      List<X509Certificate> chain = new ArrayList<>();
      chain.add(certificate);
      if (issuer != null && !isSelfSigned(issuer.certificate())) {
        chain.addAll(issuer.chain());
      }
      return new IssuedCert(certificate, keys.getPrivate(), chain);
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IllegalStateException("cannot issue certificate for " + subject + ": " + e.getMessage(), e);
    }
  }

  private void addRoleExtensions(X509v3CertificateBuilder builder, Role role, List<GeneralName> sans)
      throws CertIOException {
    if (role == Role.CA) {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return;
    }
    int usage = KeyUsage.digitalSignature | (keyType == KeyType.RSA_2048 ? KeyUsage.keyEncipherment : 0);
    KeyPurposeId[] purposes = switch (role) {
      case SERVER -> new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth};
      case WORKLOAD -> new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth};
      default -> new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth};
    };
    // A workload certificate has an empty subject, so its SANs are critical (RFC 5280 4.2.1.6).
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
        .addExtension(Extension.subjectAlternativeName, role == Role.WORKLOAD, new GeneralNames(sans.toArray(new GeneralName[0])));
  }

  private KeyPair generate() throws GeneralSecurityException {
    if (keyType == KeyType.RSA_2048) {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048, RANDOM);
      return generator.generateKeyPair();
    }
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static X500Name name(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  private static boolean isSelfSigned(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
  }

  private static boolean isIpLiteral(String host) {
    return host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
  }
}
