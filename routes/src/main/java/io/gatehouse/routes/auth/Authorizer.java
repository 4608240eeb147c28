package io.gatehouse.routes.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The authorization policies compiled, evaluated in Istio's order: CUSTOM ({@link #custom}, which
 * the gateway asks the external service about), then DENY, then ALLOW ({@link #decide}); AUDIT
 * policies only mark the requests they match. Pure and thread-safe; built once per snapshot.
 */
public final class Authorizer {
  private final List<PolicyMatcher> custom = new ArrayList<>();
  private final List<PolicyMatcher> deny = new ArrayList<>();
  private final List<PolicyMatcher> allow = new ArrayList<>();
  private final List<PolicyMatcher> audit = new ArrayList<>();

  private Authorizer(List<AuthorizationPolicy> policies) {
    for (AuthorizationPolicy p : policies) {
      PolicyMatcher m = new PolicyMatcher(p);
      switch (p.action()) {
        case CUSTOM -> custom.add(m);
        case DENY -> deny.add(m);
        case ALLOW -> allow.add(m);
        case AUDIT -> audit.add(m);
      }
    }
  }

  public static Authorizer compile(List<AuthorizationPolicy> policies) {
    return new Authorizer(policies);
  }

  /** Whether there is nothing to evaluate (no policies at all). */
  public boolean isEmpty() {
    return custom.isEmpty() && deny.isEmpty() && allow.isEmpty() && audit.isEmpty();
  }

  /** The first CUSTOM policy that applies to and matches {@code r}: its provider decides first. */
  public Optional<AuthorizationPolicy> custom(AuthzRequest r) {
    for (PolicyMatcher m : custom) {
      if (m.applies(r) && m.matches(r)) {
        return Optional.of(m.policy());
      }
    }
    return Optional.empty();
  }

  /** DENY, then ALLOW, as Istio: a matching DENY refuses; ALLOW policies that apply must have a match. */
  public Decision decide(AuthzRequest r) {
    List<String> audited = List.of();
    for (PolicyMatcher m : audit) {
      if (m.applies(r) && m.matches(r)) {
        audited = audited.isEmpty() ? new ArrayList<>() : audited;
        audited.add(m.policy().name());
      }
    }
    for (PolicyMatcher m : deny) {
      if (m.applies(r) && m.matches(r)) {
        return new Decision(false, m.policy().name(), AuthorizationPolicy.Action.DENY, audited);
      }
    }
    boolean anyAllow = false;
    for (PolicyMatcher m : allow) {
      if (m.applies(r)) {
        anyAllow = true;
        if (m.matches(r)) {
          return new Decision(true, m.policy().name(), AuthorizationPolicy.Action.ALLOW, audited);
        }
      }
    }
    return new Decision(!anyAllow, Decision.NO_POLICY, AuthorizationPolicy.Action.ALLOW, audited);
  }
}
