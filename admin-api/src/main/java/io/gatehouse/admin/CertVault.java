package io.gatehouse.admin;

import io.gatehouse.certs.CertStore;
import io.gatehouse.certs.CertificateInfo;
import io.gatehouse.certs.CertificateProblem;
import io.gatehouse.routes.ListenerTls;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Certificates pushed through the admin API: {@code STATE/certs/NAME.crt} and {@code NAME.key},
 * the directory owner-only (0700) and the files 0600. Listeners use them by path, like any other
 * certificate file, so they survive restarts and rotate in place. A pair is checked (chain, key
 * match, validity) before it replaces anything. Blocking: run it on the config writer.
 */
final class CertVault {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
  private static final Pattern PEM_BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \\1-----\\s*", Pattern.DOTALL);
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private final Path dir;

  CertVault(Path stateDir) {
    this.dir = stateDir.resolve("certs").toAbsolutePath().normalize();
  }

  /** Names are lowercase, as listener names are: they become file names. */
  static boolean validName(String name) {
    return NAME.matcher(name).matches();
  }

  Path certFile(String name) {
    return dir.resolve(name + ".crt");
  }

  Path keyFile(String name) {
    return dir.resolve(name + ".key");
  }

  /** The certificate blocks and the private key block of {@code pem} (certificates first, key anywhere). */
  record Pair(String certs, String key) {
    @Override public String toString() {
      return "Pair[certs=" + certs.length() + " chars, key=(hidden)]";
    }
  }

  /** Splits a PEM upload into its certificate blocks and its key block; the parsing proper is the certs module's. */
  static Optional<Pair> split(String pem) {
    StringBuilder certs = new StringBuilder();
    StringBuilder key = new StringBuilder();
    Matcher m = PEM_BLOCK.matcher(pem);
    while (m.find()) {
      (m.group(1).endsWith("PRIVATE KEY") ? key : certs).append(m.group().strip()).append('\n');
    }
    return certs.isEmpty() || key.isEmpty() ? Optional.empty() : Optional.of(new Pair(certs.toString(), key.toString()));
  }

  /** Checks and stores {@code pair} under {@code name}, replacing what was there; answers its metadata. */
  CertificateInfo put(String name, Pair pair) throws IOException, CertificateProblem {
    createPrivateDirectory();
    Path cert = Files.createTempFile(dir, "." + name, ".crt.tmp", ownerOnly());
    Path key = Files.createTempFile(dir, "." + name, ".key.tmp", ownerOnly());
    try {
      write(cert, pair.certs());
      write(key, pair.key());
      check(cert, key);
      move(key, keyFile(name));
      move(cert, certFile(name));
      return info(name).orElseThrow(() -> new IOException("certificate " + name + " vanished while being stored"));
    } finally {
      Files.deleteIfExists(cert);
      Files.deleteIfExists(key);
    }
  }

  /** The metadata of the stored pair {@code name}, if there is one; the key is read only to check it. */
  Optional<CertificateInfo> info(String name) throws CertificateProblem {
    if (!Files.isRegularFile(certFile(name))) {
      return Optional.empty();
    }
    return Optional.of(check(certFile(name), keyFile(name)));
  }

  boolean delete(String name) throws IOException {
    boolean cert = Files.deleteIfExists(certFile(name));
    boolean key = Files.deleteIfExists(keyFile(name));
    return cert || key;
  }

  private static CertificateInfo check(Path cert, Path key) throws CertificateProblem {
    ListenerTls tls = new ListenerTls(List.of(new ListenerTls.CertificateRef(List.of(), cert.toString(), key.toString())),
        ListenerTls.ClientAuth.NONE, "", "TLSv1.2", List.of());
    return CertStore.load(tls).certificates().get(0);
  }

  private void createPrivateDirectory() throws IOException {
    Files.createDirectories(dir.getParent());
    if (!Files.isDirectory(dir)) {
      if (POSIX) {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectory(dir);
      }
    }
    if (POSIX) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
  }

  private static FileAttribute<?>[] ownerOnly() {
    return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
  }

  private static void write(Path file, String text) throws IOException {
    try (SeekableByteChannel out = Files.newByteChannel(file, Set.of(StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))) {
      ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
      while (bytes.hasRemaining()) {
        out.write(bytes);
      }
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
