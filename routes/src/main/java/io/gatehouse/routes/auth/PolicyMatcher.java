package io.gatehouse.routes.auth;

import io.gatehouse.routes.egress.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/** One authorization policy compiled into predicates: whether its rules match a request. */
final class PolicyMatcher {
  private final AuthorizationPolicy policy;
  private final List<Predicate<AuthzRequest>> rules;

  PolicyMatcher(AuthorizationPolicy policy) {
    this.policy = policy;
    this.rules = policy.rules().stream().map(PolicyMatcher::rule).toList();
  }

  AuthorizationPolicy policy() {
    return policy;
  }

  boolean applies(AuthzRequest r) {
    return policy.attachment().covers(r.listener(), r.route());
  }

  /** Whether any rule matches; a policy without rules matches nothing. */
  boolean matches(AuthzRequest r) {
    for (Predicate<AuthzRequest> rule : rules) {
      if (rule.test(r)) {
        return true;
      }
    }
    return false;
  }

  private static Predicate<AuthzRequest> rule(AuthorizationPolicy.Rule rule) {
    Predicate<AuthzRequest> from = anyOf(rule.from().stream().map(PolicyMatcher::source).toList());
    Predicate<AuthzRequest> to = anyOf(rule.to().stream().map(PolicyMatcher::operation).toList());
    List<Predicate<AuthzRequest>> when = rule.when().stream().map(Attributes::compile).toList();
    return r -> from.test(r) && to.test(r) && allOf(when, r);
  }

  private static Predicate<AuthzRequest> source(AuthorizationPolicy.Source s) {
    List<Predicate<AuthzRequest>> all = new ArrayList<>();
    strings(all, s.principals(), s.notPrincipals(), false, AuthzRequest::principal);
    strings(all, s.requestPrincipals(), s.notRequestPrincipals(), false, AuthzRequest::requestPrincipal);
    strings(all, s.namespaces(), s.notNamespaces(), false, r -> Attributes.namespace(r.principal()));
    ips(all, s.ipBlocks(), s.notIpBlocks(), AuthzRequest::sourceIp);
    ips(all, s.remoteIpBlocks(), s.notRemoteIpBlocks(), AuthzRequest::remoteIp);
    return r -> allOf(all, r);
  }

  private static Predicate<AuthzRequest> operation(AuthorizationPolicy.Operation o) {
    List<Predicate<AuthzRequest>> all = new ArrayList<>();
    hosts(all, o.hosts(), o.notHosts());
    if (!o.ports().isEmpty()) {
      all.add(r -> o.ports().contains(r.port()));
    }
    if (!o.notPorts().isEmpty()) {
      all.add(r -> !o.notPorts().contains(r.port()));
    }
    strings(all, o.methods(), o.notMethods(), false, AuthzRequest::method);
    strings(all, o.paths(), o.notPaths(), false, AuthzRequest::path);
    return r -> allOf(all, r);
  }

  /** Hosts match case-insensitively, the authority as sent or without its port. */
  private static void hosts(List<Predicate<AuthzRequest>> all, List<String> in, List<String> out) {
    List<StringForm> yes = StringForm.all(in, true);
    List<StringForm> no = StringForm.all(out, true);
    if (!yes.isEmpty()) {
      all.add(r -> StringForm.any(yes, r.authority()) || StringForm.any(yes, withoutPort(r.authority())));
    }
    if (!no.isEmpty()) {
      all.add(r -> !StringForm.any(no, r.authority()) && !StringForm.any(no, withoutPort(r.authority())));
    }
  }

  static String withoutPort(String authority) {
    int colon = authority.lastIndexOf(':');
    return colon > authority.lastIndexOf(']') && colon >= 0 ? authority.substring(0, colon) : authority;
  }

  private static void strings(List<Predicate<AuthzRequest>> all, List<String> in, List<String> out, boolean ignoreCase,
                              Function<AuthzRequest, String> value) {
    List<StringForm> yes = StringForm.all(in, ignoreCase);
    List<StringForm> no = StringForm.all(out, ignoreCase);
    if (!yes.isEmpty()) {
      all.add(r -> StringForm.any(yes, value.apply(r)));
    }
    if (!no.isEmpty()) {
      all.add(r -> !StringForm.any(no, value.apply(r)));
    }
  }

  private static void ips(List<Predicate<AuthzRequest>> all, List<String> in, List<String> out,
                          Function<AuthzRequest, byte[]> address) {
    List<Cidr> yes = Attributes.cidrs(in);
    List<Cidr> no = Attributes.cidrs(out);
    if (!yes.isEmpty()) {
      all.add(r -> Attributes.contains(yes, address.apply(r)));
    }
    if (!no.isEmpty()) {
      all.add(r -> !Attributes.contains(no, address.apply(r)));
    }
  }

  private static Predicate<AuthzRequest> anyOf(List<Predicate<AuthzRequest>> options) {
    if (options.isEmpty()) {
      return r -> true;
    }
    return r -> {
      for (Predicate<AuthzRequest> p : options) {
        if (p.test(r)) {
          return true;
        }
      }
      return false;
    };
  }

  private static boolean allOf(List<Predicate<AuthzRequest>> all, AuthzRequest r) {
    for (Predicate<AuthzRequest> p : all) {
      if (!p.test(r)) {
        return false;
      }
    }
    return true;
  }
}
