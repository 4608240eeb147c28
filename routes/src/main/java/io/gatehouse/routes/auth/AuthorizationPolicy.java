package io.gatehouse.routes.auth;

import java.util.List;

/**
 * An authorization policy with Istio's AuthorizationPolicy semantics. A policy matches a request
 * when any of its {@code rules} does (no rules: it matches nothing); a rule matches when any of its
 * {@code from} sources, any of its {@code to} operations (empty: any) and all of its {@code when}
 * conditions do. Evaluated CUSTOM, then DENY, then ALLOW: a matching CUSTOM policy asks its
 * {@code provider} (an {@link ExtAuthz} name; "" for other actions), a matching DENY policy refuses,
 * and when ALLOW policies apply one of them must match. AUDIT policies only mark what they match.
 */
public record AuthorizationPolicy(String name, Action action, String provider, List<Rule> rules, Attachment attachment) {
  public AuthorizationPolicy {
    rules = List.copyOf(rules);
  }

  public enum Action { ALLOW, DENY, AUDIT, CUSTOM }

  /** One rule: sources OR-ed, operations OR-ed, conditions AND-ed; an empty rule matches every request. */
  public record Rule(List<Source> from, List<Operation> to, List<Condition> when) {
    public Rule {
      from = List.copyOf(from);
      to = List.copyOf(to);
      when = List.copyOf(when);
    }
  }

  /**
   * Who sends the request; each non-empty field must match (values within a field are OR-ed, a
   * {@code notX} field must not match). {@code principals}: the client certificate's SPIFFE
   * identity without {@code spiffe://}; {@code requestPrincipals}: {@code iss/sub} of the verified
   * JWT; {@code namespaces}: from the SPIFFE identity; {@code ipBlocks}: the peer address;
   * {@code remoteIpBlocks}: the client address (through trusted hops).
   */
  public record Source(List<String> principals, List<String> notPrincipals, List<String> requestPrincipals,
                       List<String> notRequestPrincipals, List<String> namespaces, List<String> notNamespaces,
                       List<String> ipBlocks, List<String> notIpBlocks, List<String> remoteIpBlocks,
                       List<String> notRemoteIpBlocks) {
    public Source {
      principals = List.copyOf(principals);
      notPrincipals = List.copyOf(notPrincipals);
      requestPrincipals = List.copyOf(requestPrincipals);
      notRequestPrincipals = List.copyOf(notRequestPrincipals);
      namespaces = List.copyOf(namespaces);
      notNamespaces = List.copyOf(notNamespaces);
      ipBlocks = List.copyOf(ipBlocks);
      notIpBlocks = List.copyOf(notIpBlocks);
      remoteIpBlocks = List.copyOf(remoteIpBlocks);
      notRemoteIpBlocks = List.copyOf(notRemoteIpBlocks);
    }
  }

  /** What is asked for; strings take Istio's forms: exact, {@code prefix*}, {@code *suffix}, {@code *} (present). */
  public record Operation(List<String> hosts, List<String> notHosts, List<Integer> ports, List<Integer> notPorts,
                          List<String> methods, List<String> notMethods, List<String> paths, List<String> notPaths) {
    public Operation {
      hosts = List.copyOf(hosts);
      notHosts = List.copyOf(notHosts);
      ports = List.copyOf(ports);
      notPorts = List.copyOf(notPorts);
      methods = List.copyOf(methods);
      notMethods = List.copyOf(notMethods);
      paths = List.copyOf(paths);
      notPaths = List.copyOf(notPaths);
    }
  }

  /**
   * A condition on an attribute ({@code request.headers[x-token]}, {@code request.auth.claims[groups]},
   * {@code source.ip}, …): it matches when one of {@code values} does (or {@code values} is empty)
   * and none of {@code notValues} does.
   */
  public record Condition(String key, List<String> values, List<String> notValues) {
    public Condition {
      values = List.copyOf(values);
      notValues = List.copyOf(notValues);
    }
  }
}
