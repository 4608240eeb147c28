package io.gatehouse.routes.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes Secret data into a private directory (0700, files 0600), one folder per Secret named
 * by namespace, name and a hash of the content: a rotated Secret gets a new path, so the config
 * changes and the gateway loads the new certificate; {@link #retainOnly} removes folders no
 * longer named. Blocking file I/O: run it on the config writer thread. Key bytes are never logged.
 */
public final class SecretDirectory implements SecretStore {
  private final Path root;
  private final Set<Path> written = new HashSet<>();

  public SecretDirectory(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** A directory under the system temp dir, private to this user. */
  public static SecretDirectory defaultFor(String sourceName) {
    String user = System.getProperty("user.name", "gatehouse").replaceAll("[^A-Za-z0-9._-]", "_");
    String source = sourceName.replaceAll("[^A-Za-z0-9._-]", "_");
    return new SecretDirectory(Path.of(System.getProperty("java.io.tmpdir"), "gatehouse-secrets-" + user, source));
  }

  @Override public Optional<TlsFiles> files(MeshResource secret, StringBuilder why) {
    byte[] cert = data(secret, "tls.crt");
    byte[] key = data(secret, "tls.key");
    byte[] ca = data(secret, "ca.crt");
    if ((cert.length == 0) != (key.length == 0)) {
      why.append("has ").append(cert.length == 0 ? "tls.key but no tls.crt" : "tls.crt but no tls.key");
      return Optional.empty();
    }
    if (cert.length == 0 && ca.length == 0) {
      why.append("has no tls.crt/tls.key (nor ca.crt)");
      return Optional.empty();
    }
    Path dir = root.resolve(secret.namespace()).resolve(secret.name() + "-" + hash(cert, key, ca));
    try {
      ensurePrivateDir(dir);
      String c = cert.length == 0 ? "" : write(dir.resolve("tls.crt"), cert);
      String k = key.length == 0 ? "" : write(dir.resolve("tls.key"), key);
      String a = ca.length == 0 ? "" : write(dir.resolve("ca.crt"), ca);
      synchronized (written) {
        written.add(dir);
      }
      return Optional.of(new TlsFiles(c, k, a));
    } catch (IOException | UncheckedIOException e) {
      why.append("could not be written to ").append(dir).append(": ").append(e.getClass().getSimpleName());
      return Optional.empty();
    }
  }

  /** Deletes the Secret folders this store wrote that {@code keep} (folders in use) does not hold. */
  public void retainOnly(Set<String> keepFiles) {
    Set<Path> keep = new HashSet<>();
    keepFiles.forEach(f -> keep.add(Path.of(f).getParent()));
    synchronized (written) {
      written.removeIf(dir -> {
        if (keep.contains(dir)) {
          return false;
        }
        delete(dir);
        return true;
      });
    }
  }

  public Path root() {
    return root;
  }

  private static byte[] data(MeshResource secret, String key) {
    JsonNode data = secret.object().path("data").path(key);
    if (data.isTextual()) {
      try {
        return Base64.getMimeDecoder().decode(data.asText());
      } catch (IllegalArgumentException e) {
        return new byte[0];
      }
    }
    JsonNode plain = secret.object().path("stringData").path(key);
    return plain.isTextual() ? plain.asText().getBytes(StandardCharsets.UTF_8) : new byte[0];
  }

  private static String hash(byte[]... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (byte[] p : parts) {
        sha.update(Integer.toString(p.length).getBytes(StandardCharsets.US_ASCII));
        sha.update(p);
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void ensurePrivateDir(Path dir) throws IOException {
    for (Path p : new Path[] {root.getParent(), root, dir.getParent(), dir}) {
      if (p != null && !Files.isDirectory(p)) {
        try {
          Files.createDirectory(p);
        } catch (FileAlreadyExistsException e) {
          continue;
        }
        setMode(p, "rwx------");
      }
    }
  }

  private static String write(Path file, byte[] bytes) throws IOException {
    if (Files.isRegularFile(file) && java.util.Arrays.equals(Files.readAllBytes(file), bytes)) {
      return file.toString();
    }
    Path tmp = Files.createTempFile(file.getParent(), ".tmp", "");
    setMode(tmp, "rw-------");
    Files.write(tmp, bytes);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return file.toString();
  }

  private static void setMode(Path p, String mode) throws IOException {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system (Windows): the temp dir's own ACLs apply.
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Already gone, or the next retain tries again.
    }
  }
}
