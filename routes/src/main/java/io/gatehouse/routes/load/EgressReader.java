package io.gatehouse.routes.load;

import io.gatehouse.routes.Egress;
import io.gatehouse.routes.EgressRule;
import java.net.IDN;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads {@code egress}: the mode (deny by default), the SNI check and the allow-list entries. */
final class EgressReader {
  private static final Set<String> KEYS = Set.of("mode", "allow", "verifySniPorts");
  private static final Set<String> RULE_KEYS = Set.of("name", "host", "cidr", "ports", "sources", "identities", "originateTls", "caCert");

  private final Problems problems;
  private final Names names;

  EgressReader(Problems problems) {
    this.problems = problems;
    this.names = Names.lowercase("egress rule", problems);
  }

  Egress read(Located located) {
    return Fields.of(located.node(), "egress", problems, KEYS).map(f -> {
      Egress.Mode mode = f.enumValue("mode", Egress.Mode.class, Egress.Mode.REGISTRY_ONLY);
      List<EgressRule> rules = new ArrayList<>();
      for (Node item : f.list("allow")) {
        Fields.of(item, "egress rule", problems, RULE_KEYS).ifPresent(r -> rules.add(rule(r, located.baseDir())));
      }
      List<Integer> sniPorts = f.has("verifySniPorts") ? ports(f, "verifySniPorts", "egress") : List.of(443);
      return new Egress(mode, rules, sniPorts);
    }).orElse(Egress.DENY_ALL);
  }

  private EgressRule rule(Fields r, Path baseDir) {
    EgressRule.Destination destination;
    String text;
    if (r.has("host") == r.has("cidr")) {
      problems.add(r.origin(), "egress rule: expected exactly one of host, cidr");
      destination = new EgressRule.Destination.Host("");
      text = "";
    } else if (r.has("host")) {
      text = r.string("host", "");
      String host = Values.normaliseHost(ascii(text));
      if (host.equals("*") || Values.hostPattern(host).isEmpty()) {
        problems.add(r.origin("host"), "egress rule: host " + Fields.quote(text) + " is not valid (expected an exact name or *.domain)");
      }
      destination = new EgressRule.Destination.Host(host);
    } else {
      text = r.string("cidr", "");
      Values.cidrProblem(text).ifPresent(p -> problems.add(r.origin("cidr"), "egress rule: cidr " + Fields.quote(text) + ": " + p));
      destination = new EgressRule.Destination.Cidr(text);
    }
    String name = r.has("name") ? names.claim(r) : text;
    List<Integer> ports = ports(r, "ports", "egress rule");
    if (!r.has("ports")) {
      problems.add(r.origin(), "egress rule " + Fields.quote(text) + ": \"ports\" is required (e.g. [443])");
    } else if (r.node("ports") instanceof Node.Sequence seq && seq.items().isEmpty()) {
      problems.add(r.origin("ports"), "egress rule " + Fields.quote(text) + ": \"ports\" is empty (list the ports it may use, e.g. [443])");
    }
    List<String> sources = r.strings("sources");
    for (String source : sources) {
      Values.cidrProblem(source).ifPresent(p -> problems.add(r.origin("sources"),
          "egress rule " + Fields.quote(text) + ": source " + Fields.quote(source) + ": " + p + " (expected client CIDRs)"));
    }
    List<String> identities = r.strings("identities");
    if (r.has("identities") && (identities.isEmpty() || identities.stream().anyMatch(String::isBlank))) {
      problems.add(r.origin("identities"), "egress rule " + Fields.quote(text)
          + ": identities must be non-empty names (e.g. spiffe://cluster.local/ns/shop/sa/checkout)");
    }
    boolean originateTls = r.bool("originateTls", false);
    String caCert = "";
    if (r.has("caCert")) {
      caCert = FileRefs.existing(r, "caCert", r.string("caCert", ""), baseDir);
      if (!originateTls) {
        problems.add(r.origin("caCert"), "egress rule " + Fields.quote(text) + ": caCert is only used with originateTls: true");
      }
    }
    return new EgressRule(name, destination, ports, sources, identities, originateTls, caCert);
  }

  private List<Integer> ports(Fields f, String key, String what) {
    List<Integer> ports = new ArrayList<>();
    for (String p : f.strings(key)) {
      try {
        int port = Integer.parseInt(p);
        if (port >= 1 && port <= 65535) {
          ports.add(port);
          continue;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      problems.add(f.origin(key), what + ": port " + Fields.quote(p) + " (expected 1..65535)");
    }
    return ports;
  }

  /** An internationalised name in config is matched as its punycode, as requests are. */
  private static String ascii(String host) {
    try {
      return host.chars().allMatch(c -> c < 0x80) ? host : IDN.toASCII(host.trim(), IDN.ALLOW_UNASSIGNED);
    } catch (IllegalArgumentException e) {
      return host;
    }
  }
}
