package io.gatehouse.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4): {@code # HELP} and
 * {@code # TYPE} lines, then samples {@code name{label="value",...} number}, label values with the
 * format's escapes. A line it cannot read fails the test, so a malformed scrape cannot pass.
 */
record PromText(List<Sample> samples, Map<String, String> types) {
  record Sample(String name, Map<String, String> labels, double value) {
    String label(String name) {
      return labels.get(name);
    }
  }

  static PromText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new LinkedHashMap<>();
    int n = 0;
    for (String line : text.split("\n")) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ");
        if (parts.length != 2 || !Set.of("counter", "gauge", "histogram", "summary", "untyped").contains(parts[1])) {
          throw new AssertionError("line " + n + ": bad TYPE: " + line);
        }
        types.put(parts[0], parts[1]);
        continue;
      }
      if (line.startsWith("#")) {
        continue;
      }
      samples.add(sample(line, n));
    }
    return new PromText(samples, types);
  }

  private static Sample sample(String line, int n) {
    int i = 0;
    while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_' || line.charAt(i) == ':')) {
      i++;
    }
    String name = line.substring(0, i);
    if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
      throw new AssertionError("line " + n + ": no metric name: " + line);
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String key = line.substring(i, eq);
        if (!key.matches("[a-zA-Z_][a-zA-Z0-9_]*") || line.charAt(eq + 1) != '"') {
          throw new AssertionError("line " + n + ": bad label at " + i + ": " + line);
        }
        StringBuilder value = new StringBuilder();
        int j = eq + 2;
        for (; line.charAt(j) != '"'; j++) {
          char c = line.charAt(j);
          if (c == '\\') {
            char e = line.charAt(++j);
            value.append(e == 'n' ? '\n' : e);
          } else {
            value.append(c);
          }
        }
        if (labels.put(key, value.toString()) != null) {
          throw new AssertionError("line " + n + ": label " + key + " twice: " + line);
        }
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      i++;
    }
    if (line.charAt(i) != ' ') {
      throw new AssertionError("line " + n + ": expected a space before the value: " + line);
    }
    String[] rest = line.substring(i + 1).split(" ");
    double value = switch (rest[0]) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(rest[0]);
    };
    return new Sample(name, labels, value);
  }

  /** The samples of metric {@code name} whose labels include every one of {@code labels}. */
  List<Sample> find(String name, Map<String, String> labels) {
    Predicate<Sample> match = s -> s.name().equals(name)
        && labels.entrySet().stream().allMatch(e -> e.getValue().equals(s.labels().get(e.getKey())));
    return samples.stream().filter(match).toList();
  }

  /** The one sample of {@code name} with {@code labels}; fails if there is none or several. */
  Sample one(String name, Map<String, String> labels) {
    List<Sample> found = find(name, labels);
    if (found.size() != 1) {
      throw new AssertionError(found.size() + " samples of " + name + " " + labels + "; names present: " + names());
    }
    return found.get(0);
  }

  Set<String> names() {
    Set<String> out = new TreeSet<>();
    samples.forEach(s -> out.add(s.name()));
    return out;
  }
}
