package io.gatehouse.routes.load;

import io.gatehouse.routes.Origin;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where an object, or one of its fields, is written in a config document. Problems found after
 * loading, on a merged config ({@link CrossCheck}), know an object only by kind and name; this puts
 * them back on the line the user wrote, as the loader's own errors are.
 */
public final class Locations {
  private Locations() {}

  /**
   * The place in {@code file} of {@code field} (a dotted path such as {@code backends.upstream}, or
   * "" for the object itself) of the object {@code kind/name}, where {@code kind} is {@code listeners},
   * {@code upstreams}, {@code routes} or {@code egress/allow}. Of several places the path reaches
   * (one per backend, say), the one whose value is {@code value}, else the first; the object's own
   * place when the field is not written. Empty when the file does not define the object.
   */
  public static Optional<Origin> of(ConfigFile file, String kind, String name, String field, String value) {
    List<String> listPath = kind.equals("egress/allow") ? List.of("egress", "allow") : List.of(kind);
    for (Node document : YamlTree.parse(file, new Problems())) {
      if (!(walk(document, listPath) instanceof Node.Sequence items)) {
        continue;
      }
      for (Node item : items.items()) {
        if (item instanceof Node.Mapping object && object.field("name") != null
            && object.field("name").value() instanceof Node.Scalar written && written.text().equals(name)) {
          List<Node.Scalar> found = new ArrayList<>();
          collect(object, field.isEmpty() ? List.of() : List.of(field.split("\\.")), found);
          return Optional.of(found.stream().filter(s -> s.text().equals(value)).findFirst()
              .or(() -> found.stream().findFirst()).map(Node::origin).orElse(object.origin()));
        }
      }
    }
    return Optional.empty();
  }

  private static Node walk(Node node, List<String> keys) {
    for (String key : keys) {
      if (!(node instanceof Node.Mapping m) || m.field(key) == null) {
        return null;
      }
      node = m.field(key).value();
    }
    return node;
  }

  /** The scalars at {@code keys} under {@code node}; a sequence on the way is searched item by item. */
  private static void collect(Node node, List<String> keys, List<Node.Scalar> out) {
    if (node instanceof Node.Sequence seq) {
      seq.items().forEach(item -> collect(item, keys, out));
    } else if (keys.isEmpty()) {
      if (node instanceof Node.Scalar s) {
        out.add(s);
      }
    } else if (node instanceof Node.Mapping m && m.field(keys.get(0)) != null) {
      collect(m.field(keys.get(0)).value(), keys.subList(1, keys.size()), out);
    }
  }
}
