package io.gatehouse.routes.mesh;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Problems of every resource, kept per resource (for status and /sync) and in order. */
final class Report {
  private final Map<String, List<MeshProblem>> byResource = new LinkedHashMap<>();
  private final Map<String, Boolean> accepted = new LinkedHashMap<>();

  /**
   * Translates one resource with {@code body}; a resource so malformed that translating it throws
   * (a list where a mapping belongs, …) is reported and left out, and the others still translate.
   */
  void run(MeshResource resource, java.util.function.Consumer<Scope> body) {
    Scope scope = new Scope(resource);
    try {
      body.accept(scope);
    } catch (Tree.Malformed e) {
      scope.error(e.at, e.getMessage());
    } catch (RuntimeException e) {
      scope.error(resource.spec(), "could not be translated (" + e + ")");
    }
    add(scope);
  }

  void add(Scope scope) {
    String id = scope.resource().id();
    byResource.computeIfAbsent(id, k -> new ArrayList<>()).addAll(scope.problems());
    accepted.merge(id, !scope.failed(), Boolean::logicalAnd);
  }

  List<MeshProblem> all() {
    List<MeshProblem> out = new ArrayList<>();
    byResource.values().forEach(out::addAll);
    return out;
  }

  Map<String, Boolean> accepted() {
    return accepted;
  }
}
