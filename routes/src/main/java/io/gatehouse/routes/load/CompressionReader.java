package io.gatehouse.routes.load;

import io.gatehouse.routes.Compression;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a route's {@code compression}: {@code algorithms} (of {@link Compression#SUPPORTED},
 * default all of them in that order), {@code minSize} and {@code contentTypes} (defaults on
 * {@link Compression}). Absent: {@link Compression#NONE}; {@code algorithms: []} turns it off.
 */
final class CompressionReader {
  private static final Set<String> KEYS = Set.of("algorithms", "minSize", "contentTypes");

  private CompressionReader() {}

  static Compression read(Fields route) {
    return route.nested("compression", route.what() + " compression", KEYS).map(CompressionReader::compression)
        .orElse(Compression.NONE);
  }

  private static Compression compression(Fields c) {
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
