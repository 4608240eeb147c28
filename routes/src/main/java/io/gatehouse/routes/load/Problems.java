package io.gatehouse.routes.load;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.Origin;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The errors found so far while loading; loading goes on after an error so all are reported. */
final class Problems {
  /** By file and then line, so errors read like a compiler's. */
  static final Comparator<ConfigError> ORDER =
      Comparator.comparing((ConfigError e) -> e.origin().file()).thenComparingInt(e -> e.origin().line());

  private final List<ConfigError> errors = new ArrayList<>();

  void add(Origin origin, String message) {
    errors.add(new ConfigError(origin, message));
  }

  void add(ConfigError error) {
    errors.add(error);
  }

  void addAll(Problems other) {
    errors.addAll(other.errors);
  }

  boolean isEmpty() {
    return errors.isEmpty();
  }

  /** Every error, in {@link #ORDER}. */
  List<ConfigError> list() {
    List<ConfigError> sorted = new ArrayList<>(errors);
    sorted.sort(ORDER);
    return List.copyOf(sorted);
  }
}
