package io.gatehouse.routes.mesh;

import io.gatehouse.routes.EgressRule;
import io.gatehouse.routes.load.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * ServiceEntries are the mesh's registry of outside services: each host (and each address, as a
 * CIDR) with its port numbers becomes an egress allow-list rule, like Istio's REGISTRY_ONLY mode.
 */
final class ServiceEntries {
  private static final Set<String> KEYS = Set.of("hosts", "addresses", "ports", "location", "resolution",
      "endpoints", "exportTo", "subjectAltNames");

  private ServiceEntries() {}

  static List<EgressRule> translate(Catalog catalog, Report report) {
    List<EgressRule> out = new ArrayList<>();
    for (MeshResource r : catalog.of(Kinds.SERVICE_ENTRY)) {
      report.run(r, scope -> {
        Tree spec = r.spec();
        scope.unknownKeys(spec, KEYS);
        if (spec.has("subjectAltNames")) {
          scope.notYet(spec.get("subjectAltNames"));
        }
        List<Integer> ports = new ArrayList<>();
        for (Tree p : spec.get("ports").items()) {
          int n = p.integer("number", 0);
          if (n < 1 || n > 65535) {
            scope.error(p.get("number"), "expected a port 1..65535");
          } else {
            ports.add(n);
          }
        }
        if (ports.isEmpty()) {
          scope.error(spec.get("ports"), "at least one port is required");
        }
        String base = "serviceentry." + r.namespace() + "." + r.name();
        List<EgressRule> rules = new ArrayList<>();
        for (Tree h : spec.get("hosts").items()) {
          String host = h.text().toLowerCase(Locale.ROOT);
          if (host.equals("*") || Values.hostPattern(host).isEmpty()) {
            scope.error(h, "\"" + h.text() + "\" is not a host (expected a name or *.domain)");
            continue;
          }
          rules.add(new EgressRule(base + "." + host, new EgressRule.Destination.Host(host), ports));
        }
        for (Tree a : spec.get("addresses").items()) {
          String cidr = a.text().contains("/") ? a.text() : a.text() + (a.text().contains(":") ? "/128" : "/32");
          if (Values.cidrProblem(cidr).isPresent()) {
            scope.error(a, "\"" + a.text() + "\" is not an IP address or CIDR: " + Values.cidrProblem(cidr).get());
            continue;
          }
          rules.add(new EgressRule(base + "." + cidr, new EgressRule.Destination.Cidr(cidr), ports));
        }
        if (spec.get("hosts").items().isEmpty()) {
          scope.error(spec.get("hosts"), "at least one host is required");
        }
        if (!scope.failed()) {
          out.addAll(rules);
        }
      });
    }
    return out;
  }
}
