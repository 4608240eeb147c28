package io.gatehouse.routes.mesh;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Every input resource indexed the ways the translation looks them up. */
final class Catalog {
  final MeshSettings settings;
  final List<MeshResource> all;
  private final Map<String, MeshResource> byKindKey = new HashMap<>();
  private final Map<String, List<MeshResource>> slicesByService = new HashMap<>();
  private final Map<String, List<MeshResource>> serviceEntriesByHost = new HashMap<>();
  private final Map<String, List<MeshResource>> destinationRulesByHost = new HashMap<>();

  Catalog(List<MeshResource> resources, MeshSettings settings) {
    this.settings = settings;
    this.all = List.copyOf(resources);
    for (MeshResource r : all) {
      byKindKey.putIfAbsent(key(r.group(), r.kind(), r.namespace(), r.name()), r);
      if (Kinds.ENDPOINT_SLICE.is(r)) {
        String service = r.metadata().get("labels").text("kubernetes.io/service-name");
        slicesByService.computeIfAbsent(r.namespace() + "/" + service, k -> new ArrayList<>()).add(r);
      } else if (Kinds.SERVICE_ENTRY.is(r)) {
        for (String host : r.spec().textsOrEmpty("hosts")) {
          serviceEntriesByHost.computeIfAbsent(host.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(r);
        }
      } else if (Kinds.DESTINATION_RULE.is(r)) {
        String host = fqdn(r.spec().text("host"), r.namespace());
        destinationRulesByHost.computeIfAbsent(host, k -> new ArrayList<>()).add(r);
      }
    }
  }

  List<MeshResource> of(Kinds kind) {
    return all.stream().filter(kind::is).toList();
  }

  Optional<MeshResource> get(Kinds kind, String namespace, String name) {
    return Optional.ofNullable(byKindKey.get(key(kind.group, kind.kind, namespace, name)));
  }

  List<MeshResource> slices(String namespace, String service) {
    return slicesByService.getOrDefault(namespace + "/" + service, List.of());
  }

  Optional<MeshResource> serviceEntry(String host) {
    List<MeshResource> found = serviceEntriesByHost.get(host);
    return found == null ? Optional.empty() : Optional.of(found.get(0));
  }

  /** The DestinationRule for a host (the first by namespace/name when several: Istio merges, we do not). */
  Optional<MeshResource> destinationRule(String fqdn) {
    List<MeshResource> found = destinationRulesByHost.get(fqdn);
    return found == null ? Optional.empty() : Optional.of(found.get(0));
  }

  /**
   * The fully qualified form of a host as Istio reads it in namespace {@code ns}: a short name
   * {@code reviews} is {@code reviews.ns.svc.<domain>}, {@code reviews.shop} is
   * {@code reviews.shop.svc.<domain>}; anything else stays as written.
   */
  String fqdn(String host, String ns) {
    String h = host.toLowerCase(Locale.ROOT);
    String domain = settings.clusterDomain();
    if (h.isEmpty() || h.contains("*")) {
      return h;
    }
    String[] parts = h.split("\\.");
    if (parts.length == 1) {
      return h + "." + ns + ".svc." + domain;
    }
    if (parts.length == 2 && get(Kinds.SERVICE, parts[1], parts[0]).isPresent()) {
      return h + ".svc." + domain;
    }
    if (parts.length == 3 && parts[2].equals("svc")) {
      return h + "." + domain;
    }
    return h;
  }

  /** The Service named by a cluster-local FQDN, if it is one and exists. */
  Optional<MeshResource> serviceOf(String fqdn) {
    String suffix = ".svc." + settings.clusterDomain();
    if (!fqdn.endsWith(suffix)) {
      return Optional.empty();
    }
    String[] parts = fqdn.substring(0, fqdn.length() - suffix.length()).split("\\.");
    return parts.length == 2 ? get(Kinds.SERVICE, parts[1], parts[0]) : Optional.empty();
  }

  private static String key(String group, String kind, String ns, String name) {
    return group + "/" + kind + "/" + ns + "/" + name;
  }
}
