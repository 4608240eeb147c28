package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Origin;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The problems of one resource while it is translated; any error keeps the resource out. */
final class Scope {
  private final MeshResource resource;
  private final List<MeshProblem> problems = new ArrayList<>();
  private boolean failed;

  Scope(MeshResource resource) {
    this.resource = resource;
  }

  MeshResource resource() {
    return resource;
  }

  void error(Tree at, String message) {
    add(MeshProblem.Severity.ERROR, MeshProblem.Category.INVALID, at.path(), message);
  }

  /** A reference to something that does not exist (Service, Secret, Gateway, subset). */
  void missing(Tree at, String message) {
    add(MeshProblem.Severity.ERROR, MeshProblem.Category.REFERENCE, at.path(), message);
  }

  void warn(Tree at, String message) {
    add(MeshProblem.Severity.WARNING, MeshProblem.Category.UNSUPPORTED, at.path(), message);
  }

  /** The field is valid Istio / Gateway API but this build cannot serve it: said, not dropped. */
  void notYet(Tree at) {
    warn(at, "not supported by this build yet; ignored");
  }

  /** Reports each key of {@code at} that is neither read nor listed as known. */
  void unknownKeys(Tree at, Set<String> read) {
    for (String key : at.keys()) {
      if (!read.contains(key)) {
        notYet(at.get(key));
      }
    }
  }

  private void add(MeshProblem.Severity severity, MeshProblem.Category category, String field, String message) {
    Origin origin = resource.locator().at(field);
    problems.add(new MeshProblem(severity, category, origin, resource.id(), field, message));
    failed |= severity == MeshProblem.Severity.ERROR;
  }

  boolean failed() {
    return failed;
  }

  List<MeshProblem> problems() {
    return problems;
  }
}
