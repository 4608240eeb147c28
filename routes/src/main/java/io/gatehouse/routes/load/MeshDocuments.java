package io.gatehouse.routes.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Origin;
import io.gatehouse.routes.mesh.MeshFragment;
import io.gatehouse.routes.mesh.MeshMerge;
import io.gatehouse.routes.mesh.MeshProblem;
import io.gatehouse.routes.mesh.MeshResource;
import io.gatehouse.routes.mesh.MeshSettings;
import io.gatehouse.routes.mesh.MeshTranslator;
import io.gatehouse.routes.mesh.SecretDirectory;
import io.gatehouse.routes.mesh.SecretStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Kubernetes documents of the config directory ({@code apiVersion} + {@code kind}): Istio and
 * Gateway API resources, and the Services, EndpointSlices and Secrets they name. They are
 * translated like a cluster's and merged into the native config; every field keeps its line, so
 * {@code validate} prints {@code FILE:LINE: Kind ns/name: field: message}.
 */
final class MeshDocuments {
  /** Where files' Secrets are written; one per process, so rotated folders are cleaned up. */
  private static final SecretStore SECRETS = SecretDirectory.defaultFor("files");

  private final List<MeshResource> resources = new ArrayList<>();
  private final List<ConfigError> warnings = new ArrayList<>();
  private Origin first;

  /** Whether {@code document} is a Kubernetes object (it then belongs here, not to the native config). */
  static boolean isKubernetes(Node document) {
    return document instanceof Node.Mapping m && m.field("apiVersion") != null && m.field("kind") != null;
  }

  void add(Node document) {
    Map<String, Origin> origins = new HashMap<>();
    JsonNode json = toJson(document, "", origins);
    MeshResource.Locator locator = path -> {
      String p = path;
      while (true) {
        Origin o = origins.get(p);
        if (o != null) {
          return o;
        }
        int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
        if (cut <= 0) {
          return document.origin();
        }
        p = p.substring(0, cut);
      }
    };
    Optional<MeshResource> resource = MeshResource.of(json, locator, "default");
    if (resource.isEmpty()) {
      return;
    }
    if (!resource.get().isMeshInput()) {
      warnings.add(new ConfigError(document.origin(), "warning: " + resource.get().id()
          + ": not read by the gateway (it reads Istio networking and security, Gateway API, Ingress, IngressClass, Service, EndpointSlice, Secret, Pod); ignored"));
      return;
    }
    if (first == null) {
      first = document.origin();
    }
    resources.add(resource.get());
  }

  boolean isEmpty() {
    return resources.isEmpty();
  }

  List<ConfigError> warnings() {
    return warnings;
  }

  /** Translates the documents and merges them into {@code base}; errors go to {@code problems}. */
  GatewayConfig mergeInto(GatewayConfig base, Problems problems) {
    if (resources.isEmpty()) {
      return base;
    }
    MeshFragment fragment = MeshTranslator.translate(resources, MeshSettings.FILES, SECRETS);
    for (MeshProblem p : fragment.problems()) {
      if (p.severity() == MeshProblem.Severity.ERROR) {
        problems.add(p.toError());
      } else {
        warnings.add(p.toError());
      }
    }
    MeshMerge.Merged merged = MeshMerge.merge(base, fragment, first);
    merged.errors().forEach(problems::add);
    return merged.config();
  }

  private static JsonNode toJson(Node node, String path, Map<String, Origin> origins) {
    origins.put(path, node.origin());
    if (node instanceof Node.Mapping m) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (Node.Field f : m.fields()) {
        String child = path.isEmpty() ? f.key() : path + "." + f.key();
        out.set(f.key(), toJson(f.value(), child, origins));
        origins.put(child, f.keyOrigin());
      }
      return out;
    }
    if (node instanceof Node.Sequence s) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (int i = 0; i < s.items().size(); i++) {
        out.add(toJson(s.items().get(i), path + "[" + i + "]", origins));
      }
      return out;
    }
    String text = ((Node.Scalar) node).text();
    return text == null ? JsonNodeFactory.instance.nullNode() : JsonNodeFactory.instance.textNode(text);
  }
}
