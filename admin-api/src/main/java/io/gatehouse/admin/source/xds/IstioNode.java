package io.gatehouse.admin.source.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The node the gateway presents to the control plane, as an Istio ingress gateway's Envoy does:
 * the id {@code router~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local} (istiod reads the
 * proxy type, IP and namespace from it) and the metadata istiod selects config by (CLUSTER_ID,
 * NAMESPACE, LABELS, ISTIO_VERSION, ...). Values come from the pod's environment as Istio's
 * injector sets it (POD_NAME, POD_NAMESPACE, INSTANCE_IP, ISTIO_META_* overrides).
 */
public final class IstioNode {
  /** The Istio release whose xDS the gateway asks for: istiod gates newer fields on it. */
  static final String ISTIO_VERSION = "1.24.0";

  private IstioNode() {}

  /** Istio's router node id from the environment (pod IP, name and namespace), with defaults outside Kubernetes. */
  public static String defaultId(Map<String, String> env, String localIp) {
    String ip = first(env, localIp, "INSTANCE_IP", "POD_IP");
    String namespace = first(env, "istio-system", "POD_NAMESPACE");
    String pod = first(env, "gatehouse", "POD_NAME", "HOSTNAME");
    return "router~" + ip + "~" + pod + "." + namespace + "~" + namespace + ".svc.cluster.local";
  }

  /** The node for {@code id}; the namespace in the id (its third part) is the default NAMESPACE. */
  public static Node of(String id, Map<String, String> env, String userAgentVersion) {
    Objects.requireNonNull(id, "id");
    String[] parts = id.split("~", -1);
    String namespace = env.getOrDefault("POD_NAMESPACE", "");
    if (namespace.isEmpty()) {
      namespace = parts.length == 4 && parts[2].contains(".") ? parts[2].substring(parts[2].indexOf('.') + 1) : "istio-system";
    }
    String pod = parts.length == 4 && parts[2].contains(".") ? parts[2].substring(0, parts[2].indexOf('.'))
        : first(env, "gatehouse", "POD_NAME", "HOSTNAME");
    Map<String, Value> meta = new TreeMap<>();
    meta.put("NAME", text(pod));
    meta.put("NAMESPACE", text(namespace));
    meta.put("CLUSTER_ID", text(first(env, "Kubernetes", "ISTIO_META_CLUSTER_ID", "CLUSTER_ID")));
    meta.put("ISTIO_VERSION", text(ISTIO_VERSION));
    meta.put("MESH_ID", text(first(env, "cluster.local", "ISTIO_META_MESH_ID", "TRUST_DOMAIN")));
    meta.put("SERVICE_ACCOUNT", text(first(env, "gatehouse", "SERVICE_ACCOUNT")));
    meta.put("WORKLOAD_NAME", text(first(env, "gatehouse", "ISTIO_META_WORKLOAD_NAME")));
    meta.put("ROUTER_MODE", text("sni-dnat"));
    if (parts.length == 4) {
      meta.put("INSTANCE_IPS", text(parts[1]));
    }
    Struct.Builder labels = Struct.newBuilder()
        .putFields("app", text(first(env, "gatehouse", "ISTIO_META_APP")))
        .putFields("istio", text(first(env, "ingressgateway", "ISTIO_META_ISTIO_LABEL")));
    meta.put("LABELS", Value.newBuilder().setStructValue(labels).build());
    env.forEach((key, value) -> {
      if (key.startsWith("ISTIO_META_") && key.length() > "ISTIO_META_".length()) {
        meta.put(key.substring("ISTIO_META_".length()), text(value));
      }
    });
    return Node.newBuilder().setId(id).setCluster(first(env, "gatehouse", "ISTIO_META_WORKLOAD_NAME") + "." + namespace)
        .setUserAgentName("gatehouse").setUserAgentVersion(userAgentVersion)
        .setMetadata(Struct.newBuilder().putAllFields(meta)).build();
  }

  private static Value text(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static String first(Map<String, String> env, String fallback, String... keys) {
    for (String k : keys) {
      String v = env.get(k);
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return fallback;
  }
}
