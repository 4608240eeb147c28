package io.gatehouse.routes.load;

import io.gatehouse.routes.Compression;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the {@code compression} of a route or of a listener (its routes' default):
 * {@code algorithms} (of {@link Compression#SUPPORTED}, default all of them in that order),
 * {@code minSize} and {@code contentTypes} (defaults on {@link Compression}). {@code enabled: false}
 * or {@code algorithms: []} turns it off, so a route can opt out of its listener's default.
 * Absent: a route's is {@link Compression#INHERIT}, a listener's {@link Compression#NONE}.
 */
final class CompressionReader {
  private static final Set<String> KEYS = Set.of("enabled", "algorithms", "minSize", "contentTypes");

  private CompressionReader() {}

  static Compression read(Fields route) {
    return read(route, Compression.INHERIT);
  }

  static Compression read(Fields owner, Compression absent) {
    return owner.nested("compression", owner.what() + " compression", KEYS).map(CompressionReader::compression)
        .orElse(absent);
  }

  private static Compression compression(Fields c) {
    if (!c.bool("enabled", true)) {
      if (c.has("algorithms") || c.has("minSize") || c.has("contentTypes")) {
        c.problems().add(c.origin("enabled"), c.what() + ": enabled: false takes no other keys");
      }
      return Compression.NONE;
    }
    List<String> algorithms = new ArrayList<>();
    for (String a : c.has("algorithms") ? c.strings("algorithms") : Compression.SUPPORTED) {
      String name = a.toLowerCase(Locale.ROOT);
      if (!Compression.SUPPORTED.contains(name)) {
        c.problems().add(c.origin("algorithms"), c.what() + ".algorithms: " + Fields.quote(a) + " (expected "
            + String.join(", ", Compression.SUPPORTED) + ")");
      } else if (!algorithms.contains(name)) {
        algorithms.add(name);
      }
    }
    List<String> types = new ArrayList<>();
    for (String t : c.has("contentTypes") ? c.strings("contentTypes") : Compression.CONTENT_TYPES) {
      String type = t.toLowerCase(Locale.ROOT).trim();
      if (!type.matches("[a-z0-9.+*-]+/[a-z0-9.+*-]+")) {
        c.problems().add(c.origin("contentTypes"), c.what() + ".contentTypes: " + Fields.quote(t)
            + " is not a media type (expected e.g. text/*, application/json)");
      } else {
        types.add(type);
      }
    }
    return new Compression(algorithms, c.size("minSize", Compression.MIN_SIZE), types);
  }
}
