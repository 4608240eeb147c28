package io.gatehouse.routes.mesh;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.Origin;

/**
 * A problem found while translating one resource: where, which resource ({@code Kind ns/name}),
 * which field, and what. Errors drop the resource from the translation; warnings name a field
 * that is not served (never silently dropped) while the rest of the resource is.
 */
public record MeshProblem(Severity severity, Category category, Origin origin, String resource, String field,
                          String message) {

  public enum Severity { ERROR, WARNING }

  /** Gateway API status reasons follow these: a broken reference is ResolvedRefs=False, the rest Accepted=False. */
  public enum Category { INVALID, REFERENCE, UNSUPPORTED }

  /** As {@code validate} prints it (with the origin in front): {@code Kind ns/name: field: message}. */
  public String text() {
    return resource + ": " + (field.isEmpty() ? "" : field + ": ") + message;
  }

  public ConfigError toError() {
    return new ConfigError(origin, severity == Severity.WARNING ? "warning: " + text() : text());
  }

  @Override public String toString() {
    return origin + ": " + text();
  }
}
