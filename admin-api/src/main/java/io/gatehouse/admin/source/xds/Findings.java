package io.gatehouse.admin.source.xds;

import java.util.ArrayList;
import java.util.List;

/**
 * What translating one xDS resource found: problems that make it unservable (the response that
 * carried it is NACKed with them) and notes on parts that are ignored without changing what the
 * gateway does (shown as warnings in {@code /sync}). Each names the resource and the field.
 */
final class Findings {
  private final XdsType type;
  private final String resource;
  private final List<String> problems = new ArrayList<>();
  /** Notes by message: the first field that had it, and how many more did (one note per kind, not per route). */
  private final java.util.Map<String, String> notes = new java.util.LinkedHashMap<>();
  private final java.util.Map<String, Integer> more = new java.util.HashMap<>();

  Findings(XdsType type, String resource) {
    this.type = type;
    this.resource = resource;
  }

  /** A part that cannot be served as the control plane meant it: the resource is refused. */
  void fail(String field, String message) {
    problems.add(where(field) + message);
  }

  /** A part that is ignored and does not change behaviour (statistics, hints). */
  void note(String field, String message) {
    if (notes.putIfAbsent(message, where(field)) != null) {
      more.merge(message, 1, Integer::sum);
    }
  }

  private String where(String field) {
    return type.kind + " \"" + resource + "\": " + (field.isEmpty() ? "" : field + ": ");
  }

  List<String> problems() {
    return problems;
  }

  List<String> notes() {
    List<String> out = new ArrayList<>();
    notes.forEach((message, where) -> out.add(where + message
        + (more.containsKey(message) ? " (and " + more.get(message) + " more like it)" : "")));
    return out;
  }

  String resource() {
    return resource;
  }
}
