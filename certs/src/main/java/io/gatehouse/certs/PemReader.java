package io.gatehouse.certs;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM text with BouncyCastle's parser: certificates, and unencrypted private keys as PKCS#8
 * ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}).
 * Errors name the file; they never quote the file's content.
 */
final class PemReader {
  private static final JcaX509CertificateConverter CERTS = new JcaX509CertificateConverter();
  private static final JcaPEMKeyConverter KEYS = new JcaPEMKeyConverter();

  private PemReader() {}

  /** The bytes of {@code file}; blocking. */
  static byte[] read(String file) throws CertificateProblem {
    try {
      return Files.readAllBytes(Path.of(file));
    } catch (NoSuchFileException e) {
      throw new CertificateProblem(file + ": no such file");
    } catch (IOException | InvalidPathException e) {
      throw new CertificateProblem(file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /** All certificates in {@code pem}, in file order (a chain: leaf first). */
  static List<X509Certificate> certificates(String file, byte[] pem) throws CertificateProblem {
    List<X509Certificate> certificates = new ArrayList<>();
    for (Object object : objects(file, pem)) {
      if (isPrivateKey(object)) {
        continue; // a combined "cert + key" file may serve as both cert and key
      }
      if (!(object instanceof X509CertificateHolder holder)) {
        throw new CertificateProblem(file + ": expected PEM certificates (-----BEGIN CERTIFICATE-----), found "
            + describe(object));
      }
      try {
        certificates.add(CERTS.getCertificate(holder));
      } catch (CertificateException e) {
        throw new CertificateProblem(file + ": unreadable certificate: " + e.getMessage(), e);
      }
    }
    if (certificates.isEmpty()) {
      throw new CertificateProblem(file + ": no PEM certificate found (expected -----BEGIN CERTIFICATE-----)");
    }
    return certificates;
  }

  /** The one private key in {@code pem}. */
  static PrivateKey privateKey(String file, byte[] pem) throws CertificateProblem {
    List<Object> objects = objects(file, pem);
    objects.removeIf(object -> object instanceof X509CertificateHolder);
    if (objects.size() != 1) {
      throw new CertificateProblem(file + ": expected exactly one PEM private key, found " + objects.size());
    }
    Object object = objects.get(0);
    try {
      if (object instanceof PrivateKeyInfo pkcs8) {
        return KEYS.getPrivateKey(pkcs8);
      }
      if (object instanceof PEMKeyPair traditional) {
        // Not getKeyPair(): SEC1 makes the public key optional, and the private part is all we need.
        return KEYS.getPrivateKey(traditional.getPrivateKeyInfo());
      }
    } catch (IOException | RuntimeException e) {
      // The converter's message describes the structure, not the key's value.
      throw new CertificateProblem(file + ": unreadable private key (" + e.getClass().getSimpleName() + ")");
    }
    if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
      throw new CertificateProblem(file + ": encrypted private keys are not supported; store the key unencrypted"
          + " with owner-only file permissions");
    }
    throw new CertificateProblem(file + ": expected a PEM private key (PRIVATE KEY, RSA PRIVATE KEY or"
        + " EC PRIVATE KEY), found " + describe(object));
  }

  private static List<Object> objects(String file, byte[] pem) throws CertificateProblem {
    List<Object> objects = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
      for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
        objects.add(object);
      }
    } catch (IOException | RuntimeException e) {
      // Deliberately without the parser's message or cause: for a key file it may quote content.
      throw new CertificateProblem(file + ": not valid PEM (" + e.getClass().getSimpleName() + ")");
    }
    return objects;
  }

  private static String describe(Object object) {
    if (object instanceof X509CertificateHolder) {
      return "a certificate";
    }
    return isPrivateKey(object) ? "a private key" : object.getClass().getSimpleName();
  }

  private static boolean isPrivateKey(Object object) {
    return object instanceof PrivateKeyInfo || object instanceof PEMKeyPair || object instanceof PEMEncryptedKeyPair
        || object instanceof PKCS8EncryptedPrivateKeyInfo;
  }
}
