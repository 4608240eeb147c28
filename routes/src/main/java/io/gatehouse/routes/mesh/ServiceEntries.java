package io.gatehouse.routes.mesh;

import io.gatehouse.routes.EgressRule;
import io.gatehouse.routes.load.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * ServiceEntries are the mesh's registry of outside services: each host (and each address, as a
 * CIDR) with its port numbers becomes an egress allow-list rule, like Istio's REGISTRY_ONLY mode.
 */
final class ServiceEntries {
  private static final Set<String> KEYS = Set.of("hosts", "addresses", "ports", "location", "resolution",
      "endpoints", "exportTo", "subjectAltNames");

  private ServiceEntries() {}

  static List<EgressRule> translate(Catalog catalog, Policies policies, Report report) {
    List<EgressRule> out = new ArrayList<>();
    for (MeshResource r : catalog.of(Kinds.SERVICE_ENTRY)) {
      report.run(r, scope -> {
        Tree spec = r.spec();
        scope.unknownKeys(spec, KEYS);
        subjectAltNames(scope, r, catalog, policies);
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

  /**
   * Checks {@code subjectAltNames} (applied by {@link Destinations} where a DestinationRule's TLS
   * names none): each a certificate name; under ISTIO_MUTUAL only SPIFFE ids can ever match. An
   * endpoint's {@code serviceAccount} is not added to them as Istio adds it (its SPIFFE id needs the
   * mesh's trust domain, which the translation does not know), so that is said where it matters.
   */
  private static void subjectAltNames(Scope scope, MeshResource r, Catalog catalog, Policies policies) {
    Tree spec = r.spec();
    List<Tree> sans = spec.get("subjectAltNames").items();
    for (Tree san : sans) {
      String name = san.text();
      if (!san.node().isTextual() || name.isBlank() || name.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
        scope.error(san, "\"" + (san.node().isValueNode() ? name : san.node().toString())
            + "\" is not a certificate name (a DNS name, URI or IP address)");
      }
    }
    if (sans.isEmpty()) {
      return;
    }
    Optional<Policies.Rule> mesh = Optional.empty();
    boolean checked = false;
    for (Tree h : spec.get("hosts").itemsOrEmpty()) {
      Optional<Policies.Rule> rule = policies.forHost(catalog.fqdn(h.text().toLowerCase(Locale.ROOT), r.namespace()));
      if (rule.isPresent() && rule.get().takesEntryNames(true) && mesh.isEmpty()) {
        mesh = rule;
      }
      checked |= rule.isPresent() && rule.get().takesEntryNames(false);
    }
    for (Tree san : sans) {
      if (mesh.isPresent() && san.node().isTextual() && !san.text().startsWith("spiffe://")) {
        scope.warn(san, "\"" + san.text() + "\" is not a SPIFFE id; " + mesh.get().resource().id() + " is ISTIO_MUTUAL,"
            + " which checks the upstream's spiffe:// URI SAN, so this entry can never match there");
      }
    }
    for (Tree e : checked ? spec.get("endpoints").itemsOrEmpty() : List.<Tree>of()) {
      String account = e.text("serviceAccount");
      if (!account.isEmpty()) {
        scope.warn(e.get("serviceAccount"), "not added to subjectAltNames as Istio adds it (its SPIFFE id needs the"
            + " mesh's trust domain): this endpoint must present one of subjectAltNames; list"
            + " spiffe://TRUST_DOMAIN/ns/" + r.namespace() + "/sa/" + account + " there too");
      }
    }
  }
}
