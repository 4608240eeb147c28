package io.gatehouse.routes.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.routes.Origin;
import java.util.Objects;
import java.util.Optional;

/**
 * One Kubernetes object as the translator reads it: the whole object as a Jackson tree
 * (apiVersion, kind, metadata, spec) and where its fields were written. Files locate each field
 * at its line; a cluster locates every field at the source name.
 */
public record MeshResource(String apiVersion, String kind, String namespace, String name, JsonNode object,
                           Locator locator) {
  public MeshResource {
    Objects.requireNonNull(object, "object");
    Objects.requireNonNull(locator, "locator");
  }

  /** Where a field, given by its path ({@code spec.http[0].route}), was written. */
  @FunctionalInterface
  public interface Locator {
    Origin at(String path);

    /** Every field at the same place, e.g. {@code kubernetes:prod} line 0. */
    static Locator fixed(Origin origin) {
      return path -> origin;
    }
  }

  /**
   * Reads kind, namespace and name from {@code object}; empty when it has no apiVersion or kind.
   * A namespace left out is {@code defaultNamespace}.
   */
  public static Optional<MeshResource> of(JsonNode object, Locator locator, String defaultNamespace) {
    String apiVersion = object.path("apiVersion").asText("");
    String kind = object.path("kind").asText("");
    if (apiVersion.isEmpty() || kind.isEmpty()) {
      return Optional.empty();
    }
    JsonNode metadata = object.path("metadata");
    String ns = metadata.path("namespace").asText("");
    return Optional.of(new MeshResource(apiVersion, kind, ns.isEmpty() ? defaultNamespace : ns,
        metadata.path("name").asText(""), object, locator));
  }

  /** The API group: {@code networking.istio.io} of {@code networking.istio.io/v1}; empty for the core group. */
  public String group() {
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }

  /** {@code Kind namespace/name}, how problems name a resource. */
  public String id() {
    return kind + " " + namespace + "/" + name;
  }

  /** The object's {@code spec} (a missing node when absent). */
  Tree spec() {
    return new Tree(object.path("spec"), "spec");
  }

  Tree metadata() {
    return new Tree(object.path("metadata"), "metadata");
  }

  /** Whether the translator reads this kind (Istio networking, Gateway API, or a core input). */
  public boolean isMeshInput() {
    return Kinds.of(this).isPresent();
  }
}
