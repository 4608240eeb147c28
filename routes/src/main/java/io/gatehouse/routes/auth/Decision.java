package io.gatehouse.routes.auth;

import java.util.List;

/**
 * What the DENY and ALLOW policies decided for a request: {@code allowed}, and the policy that
 * decided ({@code policy} with its {@code action}), or {@link #NO_POLICY} when none did (allowed
 * because no ALLOW policy applies, or refused because none of those that apply matched).
 * {@code audited} names the AUDIT policies that matched.
 */
public record Decision(boolean allowed, String policy, AuthorizationPolicy.Action action, List<String> audited) {
  public static final String NO_POLICY = "none";

  public Decision {
    audited = List.copyOf(audited);
  }
}
