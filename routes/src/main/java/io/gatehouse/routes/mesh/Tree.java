package io.gatehouse.routes.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A JSON node and its path from the object root, so every problem can name its field. */
record Tree(JsonNode node, String path) {
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  static Tree missing(String path) {
    return new Tree(MissingNode.getInstance(), path);
  }

  Tree get(String key) {
    return new Tree(node.path(key), path.isEmpty() ? key : path + "." + key);
  }

  boolean has(String key) {
    JsonNode child = node.get(key);
    return child != null && !child.isNull();
  }

  boolean present() {
    return !node.isMissingNode() && !node.isNull();
  }

  /** A field of the wrong shape: the resource that has it is reported and left out. */
  static final class Malformed extends RuntimeException {
    final Tree at;

    Malformed(Tree at, String expected) {
      super("expected " + expected + ", found " + at.node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT),
          null, false, false);
      this.at = at;
    }
  }

  /** The items of a list; absent is empty, anything else but a list is {@link Malformed}. */
  List<Tree> items() {
    if (present() && !node.isArray()) {
      throw new Malformed(this, "a list");
    }
    return itemsOrEmpty();
  }

  /** The items of a list, or none: for reading another resource than the one being translated. */
  List<Tree> itemsOrEmpty() {
    List<Tree> out = new ArrayList<>();
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        out.add(new Tree(node.get(i), path + "[" + i + "]"));
      }
    }
    return out;
  }

  /** The keys of a mapping, in order; absent has none, anything else but a mapping is {@link Malformed}. */
  List<String> keys() {
    if (present() && !node.isObject()) {
      throw new Malformed(this, "a mapping");
    }
    List<String> out = new ArrayList<>();
    node.fieldNames().forEachRemaining(out::add);
    return out;
  }

  String text() {
    return node.isValueNode() ? node.asText() : "";
  }

  String text(String key) {
    return get(key).text();
  }

  List<String> texts(String key) {
    return get(key).items().stream().map(Tree::text).filter(s -> !s.isEmpty()).toList();
  }

  List<String> textsOrEmpty(String key) {
    return get(key).itemsOrEmpty().stream().map(Tree::text).filter(s -> !s.isEmpty()).toList();
  }

  /** A mapping of strings (labels, header sets). */
  Map<String, String> map(String key) {
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = node.path(key).fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  /**
   * A whole number that fits an int, as a number or as text; {@code fallback} when absent or
   * malformed, and when out of range: Jackson's {@code asInt} would wrap 4294967297 to 1.
   */
  int integer(String key, int fallback) {
    JsonNode n = node.path(key);
    if (n.isIntegralNumber()) {
      return n.canConvertToInt() ? n.intValue() : fallback;
    }
    if (n.isTextual() && n.asText().matches("\\d{1,9}")) {
      return Integer.parseInt(n.asText());
    }
    return fallback;
  }

  /**
   * A duration as Istio ({@code 1.5s}, protobuf) and the Gateway API ({@code 500ms}, {@code 1h})
   * write it; empty if malformed.
   */
  static Optional<Duration> duration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    double n = Double.parseDouble(m.group(1));
    double millis = switch (m.group(2)) {
      case "ms" -> n;
      case "s" -> n * 1_000;
      case "m" -> n * 60_000;
      default -> n * 3_600_000;
    };
    return Optional.of(Duration.ofMillis(Math.round(millis)));
  }
}
