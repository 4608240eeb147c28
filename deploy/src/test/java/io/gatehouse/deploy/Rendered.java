package io.gatehouse.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Kubernetes objects as kustomize or helm rendered them, parsed into fabric8's model classes:
 * every document must be a kind the model knows, and no field may be one the model does not
 * know (a typo, a wrong level of indentation or a field of another API version).
 */
record Rendered(String source, List<HasMetadata> objects) {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final ObjectMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code kubectl kustomize deploy/kubernetes/overlays/NAME}. */
  static Rendered kustomize(String overlay) {
    Path dir = Tools.deploy().resolve("kubernetes/overlays").resolve(overlay);
    return parse("overlays/" + overlay, Tools.run(Tools.command(Tools.kubectl(), "kustomize", dir)));
  }

  /** {@code helm template gatehouse deploy/helm/gatehouse -n gatehouse --set ...}. */
  static Rendered helm(List<String> sets) {
    List<String> command = Tools.command(Tools.helm(), "template", "gatehouse", Tools.deploy().resolve("helm/gatehouse"),
        "--namespace", "gatehouse");
    sets.forEach(s -> command.addAll(List.of("--set", s)));
    return parse("chart " + sets, Tools.run(command));
  }

  static Rendered parse(String source, String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (JsonNode doc : documents(yaml)) {
      Object parsed = SERIALIZATION.unmarshal(doc.toString());
      String what = doc.path("kind").asText() + " " + doc.path("metadata").path("name").asText();
      if (!(parsed instanceof HasMetadata object) || parsed instanceof GenericKubernetesResource) {
        problems.add(what + ": not a Kubernetes kind the model knows (" + doc.path("apiVersion").asText() + ")");
        continue;
      }
      unknownFields(object, what, problems);
      objects.add(object);
    }
    assertEquals(List.of(), problems, source + ": not valid Kubernetes objects");
    assertTrue(!objects.isEmpty(), source + ": rendered nothing");
    return new Rendered(source, List.copyOf(objects));
  }

  private static List<JsonNode> documents(String yaml) {
    try {
      List<JsonNode> docs = new ArrayList<>();
      try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
        while (it.hasNext()) {
          JsonNode doc = it.next();
          if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
            docs.add(doc);
          }
        }
      }
      return docs;
    } catch (IOException e) {
      throw new AssertionError("not YAML: " + e.getMessage(), e);
    }
  }

  /** Walks the model's getters; anything in an additionalProperties map is a field the API does not have. */
  private static void unknownFields(Object value, String path, List<String> problems) {
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "." + k, problems));
      return;
    }
    if (value instanceof Collection<?> list) {
      int i = 0;
      for (Object item : list) {
        unknownFields(item, path + "[" + i++ + "]", problems);
      }
      return;
    }
    if (value == null || !value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || !getter.getName().startsWith("get")
          || !getter.getDeclaringClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
        continue;
      }
      Object field;
      try {
        field = getter.invoke(value);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
          problems.add(path + ": unknown field(s) " + extra.keySet());
        }
      } else {
        String name = getter.getName().substring(3);
        unknownFields(field, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1), problems);
      }
    }
  }

  <T extends HasMetadata> List<T> all(Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  <T extends HasMetadata> Optional<T> find(Class<T> kind, String name) {
    return all(kind).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
  }

  <T extends HasMetadata> T one(Class<T> kind, String name) {
    return find(kind, name).orElseGet(() -> fail(source + ": no " + kind.getSimpleName() + " " + name
        + " (has: " + names() + ")"));
  }

  <T extends HasMetadata> T only(Class<T> kind) {
    List<T> found = all(kind);
    assertEquals(1, found.size(), source + ": expected one " + kind.getSimpleName() + ", got " + names());
    return found.get(0);
  }

  /** "Kind/name" of every object, in order. */
  List<String> names() {
    return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
  }

  /** The native config files in the one ConfigMap, parsed. */
  Map<String, JsonNode> configFiles() {
    ConfigMap map = only(ConfigMap.class);
    Map<String, JsonNode> files = new LinkedHashMap<>();
    map.getData().forEach((file, text) -> {
      try {
        files.put(file, YAML.readTree(text));
      } catch (IOException e) {
        fail(source + ": ConfigMap " + file + " is not YAML: " + e.getMessage());
      }
    });
    return files;
  }

  /** The ConfigMap's files, raw. */
  Map<String, String> configTexts() {
    return only(ConfigMap.class).getData();
  }

  /** An object as a JSON tree (what the API server would store), for comparisons. */
  static JsonNode tree(Object object) {
    try {
      return JSON.readTree(SERIALIZATION.asJson(object));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  Stream<HasMetadata> stream() {
    return objects.stream();
  }
}
