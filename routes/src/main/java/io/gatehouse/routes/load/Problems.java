package io.gatehouse.routes.load;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.Origin;
import java.util.ArrayList;
import java.util.List;

/** The errors found so far while loading; loading goes on after an error so all are reported. */
final class Problems {
  private final List<ConfigError> errors = new ArrayList<>();

  void add(Origin origin, String message) {
    errors.add(new ConfigError(origin, message));
  }

  boolean isEmpty() {
    return errors.isEmpty();
  }

  int count() {
    return errors.size();
  }

  /** Every error, by file and then line, so they read like a compiler's. */
  List<ConfigError> list() {
    List<ConfigError> sorted = new ArrayList<>(errors);
    sorted.sort(java.util.Comparator.comparing((ConfigError e) -> e.origin().file()).thenComparingInt(e -> e.origin().line()));
    return List.copyOf(sorted);
  }
}
