package io.gatehouse.routes.load;

import io.gatehouse.routes.Origin;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** The names of one kind of thing (listeners, upstreams, routes): well-formed and unique. */
final class Names {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final String kind;
  private final Problems problems;
  private final Map<String, Origin> seen = new HashMap<>();

  Names(String kind, Problems problems) {
    this.kind = kind;
    this.problems = problems;
  }

  /** Reads and checks the {@code name} of {@code f}. */
  String claim(Fields f) {
    String name = f.required("name");
    if (name.isEmpty()) {
      return name;
    }
    if (!NAME.matcher(name).matches()) {
      problems.add(f.origin("name"), kind + " name " + Fields.quote(name)
          + " is not valid (expected letters, digits, '.', '_' or '-', starting with a letter or digit)");
    }
    Origin previous = seen.putIfAbsent(name, f.origin("name"));
    if (previous != null) {
      problems.add(f.origin("name"), "duplicate " + kind + " name " + Fields.quote(name) + " (first defined at " + previous + ")");
    }
    return name;
  }
}
