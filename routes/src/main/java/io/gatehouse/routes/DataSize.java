package io.gatehouse.routes;

/** An amount of bytes as written in config ({@code 512KiB}, {@code 10MiB}). */
public record DataSize(long bytes) {
  public DataSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
    }
  }
}
