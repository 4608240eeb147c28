package io.gatehouse.gateway.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code gatehouse_authn_total{provider,result}} (result: valid, invalid, missing),
 * {@code gatehouse_authz_total{policy,action,result}} (result: allowed, denied, error, audited) and
 * {@code gatehouse_authn_jwks_fetch_total{provider,result}}. Meters are kept by their tags, so
 * counting an outcome is one map lookup.
 */
final class AuthMetrics {
  private final MeterRegistry registry;
  private final java.util.Map<String, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();

  AuthMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  Counter authn(String provider, String result) {
    return counters.computeIfAbsent("n\0" + provider + "\0" + result, k -> Counter.builder("gatehouse.authn").description("requests by JWT authentication outcome")
        .tags("provider", provider, "result", result).register(registry));
  }

  Counter authz(String policy, String action, String result) {
    return counters.computeIfAbsent("z\0" + policy + "\0" + action + "\0" + result, k -> Counter.builder("gatehouse.authz").description("requests by the authorization policy that decided")
        .tags("policy", policy, "action", action, "result", result).register(registry));
  }

  Counter jwksFetch(String provider, String result) {
    return Counter.builder("gatehouse.authn.jwks.fetch").description("JWKS documents fetched from an issuer")
        .tags("provider", provider, "result", result).register(registry);
  }
}
