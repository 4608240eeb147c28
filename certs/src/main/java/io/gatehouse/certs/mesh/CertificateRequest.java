package io.gatehouse.certs.mesh;

import io.gatehouse.routes.MeshIdentity;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A fresh key pair and its PKCS#10 request for one SPIFFE id, as istio-agent makes them: an empty
 * subject (Istio's CA takes the identity from the URI SAN, and a workload certificate carries
 * none), the SAN as a critical extension request, signed with the new key. The key stays in
 * this object; only the PEM of the request goes to the CA.
 */
record CertificateRequest(KeyPair keyPair, String pem) {
  /** Makes the key pair (CPU-bound: RSA takes ~100ms, so never on an event loop) and the request. */
  static CertificateRequest create(MeshIdentity.KeyType type, String spiffeId) {
    try {
      KeyPair keys = generate(type);
      ExtensionsGenerator extensions = new ExtensionsGenerator();
      extensions.addExtension(Extension.subjectAlternativeName, true,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId)));
      PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(new X500Name(new org.bouncycastle.asn1.x500.RDN[0]), keys.getPublic())
          .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
          .build(new JcaContentSignerBuilder(type == MeshIdentity.KeyType.RSA_2048 ? "SHA256withRSA" : "SHA256withECDSA")
              .build(keys.getPrivate()));
      StringWriter out = new StringWriter();
      try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
        writer.writeObject(csr);
      }
      return new CertificateRequest(keys, out.toString());
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make a " + type + " key pair and certificate request: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static KeyPair generate(MeshIdentity.KeyType type) throws GeneralSecurityException {
    if (type == MeshIdentity.KeyType.RSA_2048) {
      KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
      rsa.initialize(2048);
      return rsa.generateKeyPair();
    }
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp256r1"));
    return ec.generateKeyPair();
  }

  /** Never the key. */
  @Override public String toString() {
    return "CertificateRequest[" + keyPair.getPublic().getAlgorithm() + "]";
  }
}
