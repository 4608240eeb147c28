package io.gatehouse.routes.load;

import io.gatehouse.routes.Origin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Typed, located access to one YAML mapping: reports unknown keys, wrong types and bad values to
 * {@link Problems} and answers a default instead, so reading goes on and every error is found.
 */
final class Fields {
  private final Node.Mapping map;
  private final String what;
  private final Problems problems;

  private Fields(Node.Mapping map, String what, Problems problems) {
    this.map = map;
    this.what = what;
    this.problems = problems;
  }

  /**
   * The fields of {@code node}, a mapping describing {@code what}, or empty (after an error) if it
   * is not a mapping. Keys outside {@code allowed} are errors.
   */
  static Optional<Fields> of(Node node, String what, Problems problems, Set<String> allowed) {
    if (!(node instanceof Node.Mapping mapping)) {
      problems.add(node.origin(), what + ": expected a mapping, found " + describe(node));
      return Optional.empty();
    }
    for (Node.Field f : mapping.fields()) {
      if (!allowed.contains(f.key())) {
        problems.add(f.keyOrigin(), "unknown key \"" + f.key() + "\" in " + what + " (expected one of: "
            + allowed.stream().sorted().collect(Collectors.joining(", ")) + ")");
      }
    }
    return Optional.of(new Fields(mapping, what, problems));
  }

  /** The same fields, described as {@code newWhat} in messages: used once an item's name is known. */
  Fields as(String newWhat) {
    return new Fields(map, newWhat, problems);
  }

  Origin origin() {
    return map.origin();
  }

  /** Where {@code key} was written, or the mapping's own line when absent. */
  Origin origin(String key) {
    Node.Field f = map.field(key);
    return f == null ? map.origin() : f.keyOrigin();
  }

  Problems problems() {
    return problems;
  }

  String what() {
    return what;
  }

  /** Whether {@code key} is present with a non-null value. */
  boolean has(String key) {
    Node.Field f = map.field(key);
    return f != null && !(f.value() instanceof Node.Scalar s && s.text() == null);
  }

  /** The value node of {@code key}, or null when absent or null. */
  Node node(String key) {
    return has(key) ? map.field(key).value() : null;
  }

  String string(String key, String fallback) {
    Node node = node(key);
    if (node == null) {
      return fallback;
    }
    if (node instanceof Node.Scalar scalar) {
      return scalar.text();
    }
    problems.add(node.origin(), what + "." + key + ": expected a value, found " + describe(node));
    return fallback;
  }

  /** A string that must be present and non-empty; reports its absence. */
  String required(String key) {
    String value = string(key, null);
    if (value == null || value.isBlank()) {
      if (!has(key) || value != null) {
        problems.add(origin(key), what + ": \"" + key + "\" is required");
      }
      return "";
    }
    return value;
  }

  int integer(String key, int fallback, int min, int max) {
    String text = string(key, null);
    if (text == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text.trim());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    problems.add(node(key).origin(), what + "." + key + ": " + quote(text) + " (expected a whole number " + min + ".." + max + ")");
    return fallback;
  }

  boolean bool(String key, boolean fallback) {
    String text = string(key, null);
    if (text == null) {
      return fallback;
    }
    if (text.equals("true") || text.equals("false")) {
      return Boolean.parseBoolean(text);
    }
    problems.add(node(key).origin(), what + "." + key + ": " + quote(text) + " (expected true or false)");
    return fallback;
  }

  Duration duration(String key, Duration fallback) {
    String text = string(key, null);
    if (text == null) {
      return fallback;
    }
    Optional<Duration> value = Values.duration(text);
    if (value.isEmpty()) {
      problems.add(node(key).origin(), what + "." + key + ": " + quote(text) + " is not a duration (expected e.g. 250ms, 5s, 1m, 1h)");
    }
    return value.orElse(fallback);
  }

  /**
   * A {@link #duration} the gateway times: at most {@link Values#MAX_TIMEOUT}, or an error that
   * says so and {@code fallback}. Vert.x takes idle and connect timeouts as int milliseconds, and
   * a longer one would wrap around to a negative number.
   */
  Duration timeout(String key, Duration fallback) {
    return timeout(key, fallback, Values.MAX_TIMEOUT);
  }

  /** A {@link #duration} of at most {@code max} (whole hours), or an error that says so and {@code fallback}. */
  Duration timeout(String key, Duration fallback, Duration max) {
    Duration value = duration(key, fallback);
    if (value.compareTo(max) > 0) {
      problems.add(node(key).origin(), what + "." + key + ": " + quote(string(key, "")) + " is too long (expected at most "
          + max.toHours() + "h)");
      return fallback;
    }
    return value;
  }

  /** A size such as {@code 512KiB} or {@code 10MiB} (see {@link io.gatehouse.routes.DataSize#parse}). */
  io.gatehouse.routes.DataSize size(String key, io.gatehouse.routes.DataSize fallback) {
    String text = string(key, null);
    if (text == null) {
      return fallback;
    }
    Optional<io.gatehouse.routes.DataSize> value = Values.size(text.trim());
    if (value.isEmpty()) {
      problems.add(node(key).origin(), what + "." + key + ": " + quote(text) + " is not a size (expected e.g. 512KiB, 10MiB)");
    }
    return value.orElse(fallback);
  }

  /** A number between {@code min} and {@code max}, decimals allowed (percentages, rates). */
  double decimal(String key, double fallback, double min, double max) {
    String text = string(key, null);
    if (text == null) {
      return fallback;
    }
    try {
      double value = Double.parseDouble(text.trim());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    problems.add(node(key).origin(), what + "." + key + ": " + quote(text) + " (expected a number " + format(min) + ".." + format(max) + ")");
    return fallback;
  }

  private static String format(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  <E extends Enum<E>> E enumValue(String key, Class<E> type, E fallback) {
    String text = string(key, null);
    if (text == null) {
      return fallback;
    }
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equals(text)) {
        return constant;
      }
    }
    problems.add(node(key).origin(), what + "." + key + ": " + quote(text) + " (expected one of: "
        + Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", ")) + ")");
    return fallback;
  }

  /** The items of a list; absent is empty; anything but a list is an error. */
  List<Node> list(String key) {
    Node node = node(key);
    if (node == null) {
      return List.of();
    }
    if (node instanceof Node.Sequence seq) {
      return seq.items();
    }
    problems.add(node.origin(), what + "." + key + ": expected a list, found " + describe(node));
    return List.of();
  }

  /** A list of plain values. */
  List<String> strings(String key) {
    List<String> out = new ArrayList<>();
    for (Node item : list(key)) {
      if (item instanceof Node.Scalar s && s.text() != null) {
        out.add(s.text());
      } else {
        problems.add(item.origin(), what + "." + key + ": expected a value, found " + describe(item));
      }
    }
    return out;
  }

  /** A mapping of plain values, in written order. */
  Map<String, String> stringMap(String key) {
    Node node = node(key);
    Map<String, String> out = new LinkedHashMap<>();
    if (node == null) {
      return out;
    }
    if (!(node instanceof Node.Mapping mapping)) {
      problems.add(node.origin(), what + "." + key + ": expected a mapping, found " + describe(node));
      return out;
    }
    for (Node.Field f : mapping.fields()) {
      if (f.value() instanceof Node.Scalar s && s.text() != null) {
        out.put(f.key(), s.text());
      } else {
        problems.add(f.keyOrigin(), what + "." + key + "." + f.key() + ": expected a value, found " + describe(f.value()));
      }
    }
    return out;
  }

  /** The fields of a nested mapping, if present and a mapping. */
  Optional<Fields> nested(String key, String nestedWhat, Set<String> allowed) {
    Node node = node(key);
    return node == null ? Optional.empty() : of(node, nestedWhat, problems, allowed);
  }

  /** Reports keys that the model has not got yet, rather than ignoring them silently. */
  void rejectUnsupported(Set<String> keys, String issue) {
    for (String key : keys) {
      if (map.field(key) != null) {
        problems.add(origin(key), what + "." + key + " is not supported by this build yet (" + issue + ")");
      }
    }
  }

  static String describe(Node node) {
    return node instanceof Node.Scalar s && s.text() != null ? quote(s.text()) : node.kind();
  }

  static String quote(String text) {
    return "\"" + text + "\"";
  }
}
