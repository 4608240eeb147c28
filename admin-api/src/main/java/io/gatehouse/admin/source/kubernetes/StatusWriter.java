package io.gatehouse.admin.source.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.gatehouse.routes.mesh.MeshProblem;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Writes status back: {@code Accepted} and {@code Programmed} on a Gateway API Gateway,
 * {@code Accepted} and {@code ResolvedRefs} per parent on an HTTPRoute, GRPCRoute, TLSRoute or
 * TCPRoute, and the load-balancer addresses of an Ingress. A status is written only when it
 * changed, so the update event it causes settles at once.
 */
final class StatusWriter {
  static final String CONTROLLER = "gatehouse.io/gateway-controller";
  private static final Logger LOG = Logger.getLogger(StatusWriter.class.getName());

  private final KubernetesClient client;
  private final Map<String, String> written = new HashMap<>();

  StatusWriter(KubernetesClient client) {
    this.client = client;
  }

  void write(WatchedKind kind, GenericKubernetesResource resource, List<MeshProblem> problems) {
    List<MeshProblem> errors = problems.stream().filter(p -> p.severity() == MeshProblem.Severity.ERROR).toList();
    boolean refsOk = errors.stream().noneMatch(p -> p.category() == MeshProblem.Category.REFERENCE);
    boolean accepted = errors.stream().noneMatch(p -> p.category() == MeshProblem.Category.INVALID);
    String message = problems.isEmpty() ? "translated by gatehouse"
        : problems.stream().map(p -> p.field() + ": " + p.message()).collect(Collectors.joining("; "));
    long generation = resource.getMetadata().getGeneration() == null ? 0 : resource.getMetadata().getGeneration();
    String key = kind.kind() + "/" + resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    String signature = generation + "|" + accepted + "|" + refsOk + "|" + message;
    if (signature.equals(written.get(key))) {
      return;
    }
    List<Map<String, Object>> conditions = new ArrayList<>();
    conditions.add(condition("Accepted", accepted,
        accepted ? "Accepted" : "Invalid", message, generation));
    if (kind.kind().equals("Gateway")) {
      conditions.add(condition("Programmed", accepted && refsOk, accepted && refsOk ? "Programmed" : "Invalid",
          message, generation));
    } else {
      conditions.add(condition("ResolvedRefs", refsOk, refsOk ? "ResolvedRefs" : "BackendNotFound", message, generation));
    }
    Map<String, Object> status = new LinkedHashMap<>();
    if (kind.kind().equals("Gateway")) {
      status.put("conditions", conditions);
    } else {
      List<Map<String, Object>> parents = new ArrayList<>();
      Object refs = resource.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec ? spec.get("parentRefs") : null;
      if (refs instanceof List<?> list) {
        for (Object ref : list) {
          Map<String, Object> parent = new LinkedHashMap<>();
          parent.put("parentRef", ref);
          parent.put("controllerName", CONTROLLER);
          parent.put("conditions", conditions);
          parents.add(parent);
        }
      }
      status.put("parents", parents);
    }
    try {
      GenericKubernetesResource copy = client.getKubernetesSerialization().clone(resource);
      copy.getAdditionalProperties().put("status", status);
      client.genericKubernetesResources(kind.context()).inNamespace(resource.getMetadata().getNamespace())
          .resource(copy).updateStatus();
      written.put(key, signature);
    } catch (KubernetesClientException e) {
      // A conflict (the resource changed meanwhile) is retried by the next translation.
      LOG.warning(() -> "status of " + key + " not written: " + e.getMessage());
    }
  }

  /**
   * Writes an Ingress's {@code status.loadBalancer.ingress} ({@code ip} or {@code hostname} each),
   * unless it already says that; an empty list clears it.
   */
  void writeIngress(GenericKubernetesResource ingress, List<Map<String, Object>> addresses) {
    if (published(ingress).equals(addresses)) {
      return;
    }
    String key = "Ingress/" + ingress.getMetadata().getNamespace() + "/" + ingress.getMetadata().getName();
    Map<String, Object> loadBalancer = new LinkedHashMap<>();
    if (!addresses.isEmpty()) {
      loadBalancer.put("ingress", addresses);
    }
    try {
      GenericKubernetesResource copy = client.getKubernetesSerialization().clone(ingress);
      copy.getAdditionalProperties().put("status", Map.of("loadBalancer", loadBalancer));
      client.genericKubernetesResources(WatchedKind.INGRESS.context()).inNamespace(ingress.getMetadata().getNamespace())
          .resource(copy).updateStatus();
    } catch (KubernetesClientException e) {
      LOG.warning(() -> "status of " + key + " not written: " + e.getMessage());
    }
  }

  /** The {@code ip}s and {@code hostname}s a resource's {@code status.loadBalancer.ingress} lists (an Ingress's or a Service's). */
  static List<Map<String, Object>> published(GenericKubernetesResource resource) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (resource.getAdditionalProperties().get("status") instanceof Map<?, ?> status
        && status.get("loadBalancer") instanceof Map<?, ?> lb && lb.get("ingress") instanceof List<?> list) {
      for (Object item : list) {
        if (item instanceof Map<?, ?> m) {
          for (String field : List.of("ip", "hostname")) {
            if (m.get(field) instanceof String value && !value.isEmpty()) {
              out.add(address(field, value));
              break;
            }
          }
        }
      }
    }
    return out;
  }

  /** One {@code status.loadBalancer.ingress} entry. */
  static Map<String, Object> address(String field, String value) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put(field, value);
    return entry;
  }

  private static Map<String, Object> condition(String type, boolean ok, String reason, String message, long generation) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("type", type);
    c.put("status", ok ? "True" : "False");
    c.put("reason", reason);
    c.put("message", message.length() > 1000 ? message.substring(0, 1000) : message);
    c.put("observedGeneration", generation);
    c.put("lastTransitionTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    return c;
  }
}
