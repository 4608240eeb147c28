package io.gatehouse.routes.load;

import io.gatehouse.routes.Origin;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** The names of one kind of thing (listeners, upstreams, routes): well-formed and unique. */
final class Names {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final String NAME_RULE = "letters, digits, '.', '_' or '-', starting with a letter or digit";
  /** Listener names end up in metric tags and log lines next to the protocol: lowercase only. */
  private static final Pattern LOWERCASE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
  private static final String LOWERCASE_RULE = "lowercase letters, digits, '.', '_' or '-', starting with a letter or digit";

  private final String kind;
  private final Problems problems;
  private final Pattern pattern;
  private final String rule;
  private final Map<String, Origin> seen = new HashMap<>();

  private Names(String kind, Problems problems, Pattern pattern, String rule) {
    this.kind = kind;
    this.problems = problems;
    this.pattern = pattern;
    this.rule = rule;
  }

  /** Names of letters (any case), digits, '.', '_' and '-'. */
  static Names of(String kind, Problems problems) {
    return new Names(kind, problems, NAME, NAME_RULE);
  }

  /** Like {@link #of} but lowercase only. */
  static Names lowercase(String kind, Problems problems) {
    return new Names(kind, problems, LOWERCASE, LOWERCASE_RULE);
  }

  /** Reads and checks the {@code name} of {@code f}. */
  String claim(Fields f) {
    String name = f.required("name");
    if (name.isEmpty()) {
      return name;
    }
    if (!pattern.matcher(name).matches()) {
      problems.add(f.origin("name"), kind + " name " + Fields.quote(name) + " is not valid (expected " + rule + ")");
    }
    Origin previous = seen.putIfAbsent(name, f.origin("name"));
    if (previous != null) {
      problems.add(f.origin("name"), "duplicate " + kind + " name " + Fields.quote(name) + " (first defined at " + previous + ")");
    }
    return name;
  }
}
