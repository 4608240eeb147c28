package io.gatehouse.routes;

import java.util.List;
import java.util.Map;

/** Header edits on the request going upstream and on the response going back. */
public record HeaderOps(Edits request, Edits response) {
  public static final HeaderOps NONE = new HeaderOps(Edits.NONE, Edits.NONE);

  /** Applied in this order: remove, then set (replace), then add (append). Names are lowercase. */
  public record Edits(Map<String, String> set, Map<String, String> add, List<String> remove) {
    public Edits {
      set = Map.copyOf(set);
      add = Map.copyOf(add);
      remove = List.copyOf(remove);
    }

    public static final Edits NONE = new Edits(Map.of(), Map.of(), List.of());

    public boolean isEmpty() {
      return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }
  }
}
