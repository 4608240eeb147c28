package io.gatehouse.routes.load;

import io.gatehouse.routes.Egress;
import io.gatehouse.routes.EgressRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads {@code egress}: the mode (deny by default) and the allow-list entries. */
final class EgressReader {
  private static final Set<String> KEYS = Set.of("mode", "allow");
  private static final Set<String> RULE_KEYS = Set.of("name", "host", "cidr", "ports");

  private final Problems problems;

  EgressReader(Problems problems) {
    this.problems = problems;
  }

  Egress read(Node node) {
    return Fields.of(node, "egress", problems, KEYS).map(f -> {
      Egress.Mode mode = f.enumValue("mode", Egress.Mode.class, Egress.Mode.REGISTRY_ONLY);
      List<EgressRule> rules = new ArrayList<>();
      for (Node item : f.list("allow")) {
        Fields.of(item, "egress rule", problems, RULE_KEYS).ifPresent(r -> rules.add(rule(r)));
      }
      return new Egress(mode, rules);
    }).orElse(Egress.DENY_ALL);
  }

  private EgressRule rule(Fields r) {
    EgressRule.Destination destination;
    String text;
    if (r.has("host") == r.has("cidr")) {
      problems.add(r.origin(), "egress rule: expected exactly one of host, cidr");
      destination = new EgressRule.Destination.Host("");
      text = "";
    } else if (r.has("host")) {
      text = r.string("host", "");
      String host = Values.normaliseHost(text);
      if (host.equals("*") || Values.hostPattern(host).isEmpty()) {
        problems.add(r.origin("host"), "egress rule: host " + Fields.quote(text) + " is not valid (expected an exact name or *.domain)");
      }
      destination = new EgressRule.Destination.Host(host);
    } else {
      text = r.string("cidr", "");
      Values.cidrProblem(text).ifPresent(p -> problems.add(r.origin("cidr"), "egress rule: cidr " + Fields.quote(text) + ": " + p));
      destination = new EgressRule.Destination.Cidr(text);
    }
    List<Integer> ports = new ArrayList<>();
    for (String p : r.strings("ports")) {
      try {
        int port = Integer.parseInt(p);
        if (port >= 1 && port <= 65535) {
          ports.add(port);
          continue;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      problems.add(r.origin("ports"), "egress rule: port " + Fields.quote(p) + " (expected 1..65535)");
    }
    if (!r.has("ports")) {
      problems.add(r.origin(), "egress rule " + Fields.quote(text) + ": \"ports\" is required (e.g. [443])");
    } else if (r.node("ports") instanceof Node.Sequence seq && seq.items().isEmpty()) {
      problems.add(r.origin("ports"), "egress rule " + Fields.quote(text) + ": \"ports\" is empty (list the ports it may use, e.g. [443])");
    }
    return new EgressRule(r.string("name", text), destination, ports);
  }
}
