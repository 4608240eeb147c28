package io.gatehouse.routes.load;

import io.gatehouse.routes.auth.AuthorizationPolicy;
import io.gatehouse.routes.auth.Policies;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads one rule of an authorization policy in Istio's shape:
 * {@code {from: [{source: {…}}], to: [{operation: {…}}], when: [{key, values, notValues}]}}.
 */
final class PolicyRuleReader {
  private static final Set<String> SOURCE_KEYS = Set.of("principals", "notPrincipals", "requestPrincipals",
      "notRequestPrincipals", "namespaces", "notNamespaces", "ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks");
  private static final Set<String> OPERATION_KEYS = Set.of("hosts", "notHosts", "ports", "notPorts", "methods",
      "notMethods", "paths", "notPaths");

  private final Problems problems;
  private final String what;

  PolicyRuleReader(Problems problems, String what) {
    this.problems = problems;
    this.what = what + " rule";
  }

  Optional<AuthorizationPolicy.Rule> rule(Node node) {
    Optional<Fields> read = Fields.of(node, what, problems, Set.of("from", "to", "when"));
    if (read.isEmpty()) {
      return Optional.empty();
    }
    Fields f = read.get();
    List<AuthorizationPolicy.Source> from = new ArrayList<>();
    for (Node n : f.list("from")) {
      Fields.of(n, what + " from", problems, Set.of("source"))
          .flatMap(s -> s.nested("source", what + " source", SOURCE_KEYS))
          .ifPresent(s -> from.add(new AuthorizationPolicy.Source(s.strings("principals"), s.strings("notPrincipals"),
              s.strings("requestPrincipals"), s.strings("notRequestPrincipals"), s.strings("namespaces"),
              s.strings("notNamespaces"), s.strings("ipBlocks"), s.strings("notIpBlocks"), s.strings("remoteIpBlocks"),
              s.strings("notRemoteIpBlocks"))));
    }
    List<AuthorizationPolicy.Operation> to = new ArrayList<>();
    for (Node n : f.list("to")) {
      Fields.of(n, what + " to", problems, Set.of("operation"))
          .flatMap(o -> o.nested("operation", what + " operation", OPERATION_KEYS))
          .ifPresent(o -> to.add(new AuthorizationPolicy.Operation(o.strings("hosts"), o.strings("notHosts"),
              ports(o, "ports"), ports(o, "notPorts"), o.strings("methods"), o.strings("notMethods"), o.strings("paths"),
              o.strings("notPaths"))));
    }
    List<AuthorizationPolicy.Condition> when = new ArrayList<>();
    for (Node n : f.list("when")) {
      Fields.of(n, what + " when", problems, Set.of("key", "values", "notValues")).ifPresent(c ->
          when.add(new AuthorizationPolicy.Condition(c.required("key"), c.strings("values"), c.strings("notValues"))));
    }
    AuthorizationPolicy.Rule rule = new AuthorizationPolicy.Rule(from, to, when);
    for (String problem : Policies.problems(rule)) {
      problems.add(f.origin(), what + ": " + problem);
    }
    return Optional.of(rule);
  }

  private List<Integer> ports(Fields f, String key) {
    List<Integer> out = new ArrayList<>();
    for (String text : f.strings(key)) {
      try {
        out.add(Integer.parseInt(text.trim()));
      } catch (NumberFormatException e) {
        problems.add(f.origin(key), f.what() + "." + key + ": " + Fields.quote(text) + " is not a port");
      }
    }
    return out;
  }
}
