package io.gatehouse.routes.load;

import io.gatehouse.routes.Kubernetes;
import io.gatehouse.routes.mesh.MeshSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code kubernetes}: the clusters whose Istio and Gateway API resources this gateway serves. */
final class KubernetesReader {
  private static final Set<String> KEYS = keys();

  private final Problems problems;
  private final Names names;

  KubernetesReader(Problems problems) {
    this.problems = problems;
    this.names = Names.lowercase("kubernetes source", problems);
  }

  List<Kubernetes> read(List<Located> items) {
    List<Kubernetes> out = new ArrayList<>();
    for (Located item : items) {
      Fields.of(item.node(), "kubernetes source", problems, KEYS).ifPresent(f -> out.add(source(f)));
    }
    return out;
  }

  private Kubernetes source(Fields raw) {
    String name = names.claim(raw);
    Fields f = raw.as("kubernetes source " + name);
    String master = f.string("masterUrl", "");
    if (!master.isEmpty() && !master.matches("https?://[^\\s/]+(/.*)?")) {
      problems.add(f.origin("masterUrl"), f.what() + ".masterUrl: " + Fields.quote(master)
          + " is not an http(s) URL (leave it out for in-cluster or kubeconfig discovery)");
    }
    Map<String, Set<String>> labels = new LinkedHashMap<>();
    Node labelNode = f.node("gatewayLabels");
    if (labelNode instanceof Node.Mapping m) {
      for (Node.Field label : m.fields()) {
        Set<String> values = new LinkedHashSet<>();
        if (label.value() instanceof Node.Sequence seq) {
          seq.items().forEach(v -> values.add(v instanceof Node.Scalar s && s.text() != null ? s.text() : ""));
        } else if (label.value() instanceof Node.Scalar s && s.text() != null) {
          values.add(s.text());
        }
        values.remove("");
        if (values.isEmpty()) {
          problems.add(label.keyOrigin(), f.what() + ".gatewayLabels." + label.key() + ": expected a value or a list of values");
        }
        labels.put(label.key(), values);
      }
    } else if (labelNode != null) {
      problems.add(labelNode.origin(), f.what() + ".gatewayLabels: expected a mapping of label to value(s)");
    }
    Map<Integer, Integer> ports = new LinkedHashMap<>();
    f.stringMap("ports").forEach((from, to) -> {
      if (!from.matches("\\d{1,5}") || !to.matches("\\d{1,5}") || Integer.parseInt(from) < 1
          || Integer.parseInt(from) > 65535 || Integer.parseInt(to) > 65535) {
        problems.add(f.origin("ports"), f.what() + ".ports: " + from + ": " + to
            + " is not a port mapping (expected GATEWAY_PORT: LISTEN_PORT, 1..65535, 0 = any free port)");
      } else {
        ports.put(Integer.parseInt(from), Integer.parseInt(to));
      }
    });
    String publishService = f.string("publishService", "");
    if (!publishService.isEmpty() && !publishService.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
      problems.add(f.origin("publishService"), f.what() + ".publishService: " + Fields.quote(publishService)
          + " is not a Service (expected NAMESPACE/NAME)");
    }
    List<String> addresses = f.strings("publishAddresses");
    for (String a : addresses) {
      if (!Values.isHostName(a.toLowerCase(java.util.Locale.ROOT)) && !Values.isIpv6(a)) {
        problems.add(f.origin("publishAddresses"), f.what() + ".publishAddresses: " + Fields.quote(a)
            + " is not an IP address or host name");
      }
    }
    if (!publishService.isEmpty() && !addresses.isEmpty()) {
      problems.add(f.origin("publishAddresses"), f.what() + ": publishService and publishAddresses exclude each other"
          + " (Ingress status takes one or the other)");
    }
    return new Kubernetes(name, master, f.strings("namespaces"),
        labels.isEmpty() ? MeshSettings.DEFAULT_LABELS : labels, f.string("gatewayClassName", "gatehouse"), ports,
        f.duration("debounce", Duration.ofMillis(200)), f.string("clusterDomain", "cluster.local"),
        f.bool("proxyProtocol", false), EdgeReader.values(f),
        f.string("ingressClassName", Kubernetes.DEFAULT_INGRESS_CLASS), publishService, addresses);
  }

  /** The source's own keys and the edge keys of the listeners it makes ({@link EdgeReader}). */
  private static Set<String> keys() {
    Set<String> keys = new java.util.HashSet<>(Set.of("name", "masterUrl", "namespaces", "gatewayLabels",
        "gatewayClassName", "ports", "debounce", "clusterDomain", "proxyProtocol", "ingressClassName",
        "publishService", "publishAddresses"));
    keys.addAll(EdgeReader.KEYS);
    return Set.copyOf(keys);
  }
}
