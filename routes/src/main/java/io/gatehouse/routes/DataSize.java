package io.gatehouse.routes;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An amount of bytes as written in config ({@code 512KiB}, {@code 10MiB}); {@link #parse} reads that text. */
public record DataSize(long bytes) {
  private static final Pattern TEXT = Pattern.compile("(\\d{1,18})(B|KiB|MiB|GiB|KB|MB|GB)");

  public DataSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
    }
  }

  /**
   * {@code 100B}, {@code 512KiB}, {@code 10MiB}, {@code 1GiB} (powers of 1024), or {@code KB},
   * {@code MB}, {@code GB} (powers of 1000). A unit is required; empty when malformed or too large.
   */
  public static Optional<DataSize> parse(String text) {
    Matcher m = TEXT.matcher(text);
    if (!m.matches()) {
      return Optional.empty();
    }
    long unit = switch (m.group(2)) {
      case "B" -> 1;
      case "KiB" -> 1L << 10;
      case "MiB" -> 1L << 20;
      case "GiB" -> 1L << 30;
      case "KB" -> 1_000;
      case "MB" -> 1_000_000;
      default -> 1_000_000_000;
    };
    try {
      return Optional.of(new DataSize(Math.multiplyExact(Long.parseLong(m.group(1)), unit)));
    } catch (ArithmeticException e) {
      return Optional.empty();
    }
  }
}
