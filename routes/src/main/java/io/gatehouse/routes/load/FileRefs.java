package io.gatehouse.routes.load;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks that files named in config (certificates, keys, tokens) exist, and makes their paths absolute. */
final class FileRefs {
  private FileRefs() {}

  /** The absolute path of {@code value} resolved against {@code baseDir}; reports it if it is not a readable file. */
  static String existing(Fields f, String key, String value, Path baseDir) {
    Path p = Path.of(value);
    Path resolved = (p.isAbsolute() ? p : baseDir.resolve(p)).toAbsolutePath().normalize();
    if (!Files.isRegularFile(resolved)) {
      f.problems().add(f.node(key).origin(), f.what() + "." + key + ": file " + value + " not found (looked at " + resolved + ")");
    } else if (!Files.isReadable(resolved)) {
      f.problems().add(f.node(key).origin(), f.what() + "." + key + ": file " + value + " is not readable");
    }
    return resolved.toString();
  }

  /** The absolute path of {@code value} resolved against {@code baseDir}, for files that appear later (tokens, state). */
  static String absolute(String value, Path baseDir) {
    Path p = Path.of(value);
    return (p.isAbsolute() ? p : baseDir.resolve(p)).toAbsolutePath().normalize().toString();
  }
}
