package io.gatehouse.certs;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemObject;

/** Writes certificates and keys as PEM (BouncyCastle), keys to owner-only files. */
final class PemWriter {
  private PemWriter() {}

  static String certificates(List<X509Certificate> chain) {
    return write(chain.toArray());
  }

  /** {@code publicKey} goes into SEC1 output, as OpenSSL writes it; the other forms ignore it. */
  static String privateKey(PrivateKey key, PublicKey publicKey, KeyFormat format) {
    String algorithm = key.getAlgorithm();
    return switch (format) {
      case PKCS8 -> write(pkcs8(key));
      // BouncyCastle writes a bare JCA RSA key in the "traditional" OpenSSL form, PKCS#1.
      case PKCS1 -> {
        require(algorithm.equals("RSA"), format, algorithm);
        yield write(key);
      }
      case SEC1 -> {
        require(algorithm.equals("EC"), format, algorithm);
        yield write(sec1(key, publicKey));
      }
    };
  }

  /**
   * The JDK's PKCS#8 EC key keeps the curve outside its inner SEC1 structure, so the "traditional"
   * form BouncyCastle derives from it has no curve and cannot be read back. Rebuild it whole (RFC 5915).
   */
  private static PemObject sec1(PrivateKey key, PublicKey publicKey) {
    try {
      PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
      org.bouncycastle.asn1.sec.ECPrivateKey inner =
          org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
      int orderBits = ((ECPrivateKey) key).getParams().getOrder().bitLength();
      DERBitString publicBits = publicKey == null ? null
          : new DERBitString(SubjectPublicKeyInfo.getInstance(publicKey.getEncoded()).getPublicKeyData().getBytes());
      return new PemObject("EC PRIVATE KEY", new org.bouncycastle.asn1.sec.ECPrivateKey(orderBits, inner.getKey(),
          publicBits, info.getPrivateKeyAlgorithm().getParameters()).getEncoded());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode EC key as SEC1", e);
    }
  }

  /** Replaces {@code file} atomically; with {@code secret}, readable by the owner only where POSIX allows. */
  static void write(Path file, String pem, boolean secret) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    Path temp = secret && posix
        ? Files.createTempFile(dir, ".gatehouse", ".tmp", PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------")))
        : Files.createTempFile(dir, ".gatehouse", ".tmp");
    try {
      Files.writeString(temp, pem, StandardCharsets.US_ASCII);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void require(boolean ok, KeyFormat format, String algorithm) {
    if (!ok) {
      throw new IllegalArgumentException(format + " cannot hold a " + algorithm + " key (PKCS1: RSA, SEC1: EC)");
    }
  }

  private static Object pkcs8(PrivateKey key) {
    try {
      return new JcaPKCS8Generator(key, null).generate();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode " + key.getAlgorithm() + " key as PKCS#8", e);
    }
  }

  private static String write(Object... objects) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      for (Object object : objects) {
        writer.writeObject(object);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write PEM", e); // a StringWriter does not fail
    }
    return out.toString();
  }
}
