package io.gatehouse.routes.load;

import io.gatehouse.routes.Origin;
import java.util.List;

/** A YAML value with the place it was written: what the readers validate before building records. */
sealed interface Node {
  Origin origin();

  /** What this node is, for "expected a mapping, found a list" messages. */
  String kind();

  /** A scalar as written; {@code null} for YAML's null ({@code ~}, {@code null}, nothing). */
  record Scalar(Origin origin, String text) implements Node {
    @Override public String kind() {
      return text == null ? "null" : "a value";
    }
  }

  /** A sequence. */
  record Sequence(Origin origin, List<Node> items) implements Node {
    @Override public String kind() {
      return "a list";
    }
  }

  /** A mapping; keys keep their own line, for errors about the key itself. */
  record Mapping(Origin origin, List<Field> fields) implements Node {
    @Override public String kind() {
      return "a mapping";
    }

    Field field(String key) {
      for (Field f : fields) {
        if (f.key().equals(key)) {
          return f;
        }
      }
      return null;
    }
  }

  /** One key of a mapping and its value. */
  record Field(String key, Origin keyOrigin, Node value) {}
}
