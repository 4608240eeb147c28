package io.gatehouse.gateway.auth;

import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.Filter;
import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.proxy.Reason;
import io.gatehouse.gateway.proxy.Stage;
import io.gatehouse.routes.auth.AuthorizationPolicy;
import io.gatehouse.routes.auth.Authorizer;
import io.gatehouse.routes.auth.Decision;
import io.gatehouse.routes.auth.JwtProvider;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may come in, for one snapshot: the filter every route's stage (and the no-route stage)
 * starts with. First JWT authentication with Istio's semantics (a token that does not verify is
 * 401 with {@code WWW-Authenticate: Bearer error="invalid_token"}; no token passes, and is left to
 * the policies), then authorization: CUSTOM (the external service), DENY, ALLOW (403 when
 * refused); AUDIT policies are counted. The policy that decided goes to the access log.
 */
public final class Guard {
  /** A provider as compiled: where its token is, how it is checked, what the outcomes count into. */
  record Provider(JwtProvider config, TokenLocation location, TokenVerifier verifier, KeySource keys,
                  AuthMetrics metrics) {}

  private static final String CHALLENGE = "Bearer error=\"invalid_token\"";

  private final List<Provider> providers;
  private final Authorizer authorizer;
  private final Map<String, ExtAuthzClient> services;
  private final AuthMetrics metrics;

  Guard(List<Provider> providers, Authorizer authorizer, Map<String, ExtAuthzClient> services, AuthMetrics metrics) {
    this.providers = List.copyOf(providers);
    this.authorizer = authorizer;
    this.services = Map.copyOf(services);
    this.metrics = metrics;
  }

  /** A guard that admits everything (no providers, no policies). */
  public static Guard none() {
    return new Guard(List.of(), Authorizer.compile(List.of()), Map.of(), null);
  }

  /** Whether this guard admits every request unseen, so routes need no filter for it. */
  public boolean isNone() {
    return providers.isEmpty() && authorizer.isEmpty();
  }

  /** Authentication and authorization in front of {@code next}. */
  public Filter filter() {
    return next -> ex -> authenticate(ex, 0, null).compose(token -> authorize(ex, token, next));
  }

  /**
   * Tries the providers from {@code i}: the first whose token is found and whose issuer the token
   * names decides; a token that no provider takes is invalid. Completes with the verified token,
   * or null when the request carries none.
   */
  private Future<Verified> authenticate(Exchange ex, int i, String foreignIssuer) {
    for (int p = i; p < providers.size(); p++) {
      Provider provider = providers.get(p);
      if (!provider.config().attachment().covers(ex.listener(), ex.route())) {
        continue;
      }
      TokenLocation.Found found = provider.location().find(ex::header, ex::query);
      if (found == null) {
        continue;
      }
      Verified cached = provider.verifier().cached(found.token());
      if (cached != null) {
        return accepted(ex, provider, found, cached);
      }
      SignedJWT jwt;
      try {
        jwt = TokenVerifier.parse(found.token());
      } catch (TokenVerifier.Invalid e) {
        return rejected(ex, provider, e.getMessage());
      }
      String issuer = TokenVerifier.claimedIssuer(jwt);
      if (!issuer.equals(provider.config().issuer())) {
        // Perhaps another provider's token in a shared location (Authorization: Bearer).
        foreignIssuer = issuer;
        continue;
      }
      return provider.keys().keysFor(jwt.getHeader().getKeyID()).compose(keys -> {
        try {
          return accepted(ex, provider, found, provider.verifier().verify(found.token(), jwt, keys));
        } catch (TokenVerifier.Invalid e) {
          return rejected(ex, provider, e.getMessage());
        }
      });
    }
    if (foreignIssuer != null) {
      ex.beforeResponse(h -> h.set("www-authenticate", CHALLENGE));
      return Future.failedFuture(new GatewayException(Reason.JWT_INVALID, "no provider for issuer " + foreignIssuer));
    }
    return Future.succeededFuture(null);
  }

  private Future<Verified> accepted(Exchange ex, Provider provider, TokenLocation.Found found, Verified token) {
    provider.metrics().authn(provider.config().name(), "valid").increment();
    JwtProvider config = provider.config();
    if (!config.forwardOriginalToken() && !found.header().isEmpty()) {
      ex.upstreamHeaders().remove(found.header());
    }
    if (!config.outputPayloadToHeader().isEmpty()) {
      ex.upstreamHeaders().set(config.outputPayloadToHeader(), token.payload());
    }
    for (JwtProvider.ClaimToHeader c : config.outputClaimToHeaders()) {
      List<String> values = token.claim(List.of(c.claim()));
      if (!values.isEmpty()) {
        ex.upstreamHeaders().set(c.header(), String.join(",", values));
      }
    }
    return Future.succeededFuture(token);
  }

  private Future<Verified> rejected(Exchange ex, Provider provider, String why) {
    provider.metrics().authn(provider.config().name(), "invalid").increment();
    ex.beforeResponse(h -> h.set("www-authenticate", CHALLENGE));
    return Future.failedFuture(new GatewayException(Reason.JWT_INVALID, provider.config().name() + ": " + why));
  }

  private Future<Void> authorize(Exchange ex, Verified token, Stage next) {
    if (authorizer.isEmpty()) {
      return next.handle(ex);
    }
    RequestFacts facts = new RequestFacts(ex, token);
    Optional<AuthorizationPolicy> custom = authorizer.custom(facts);
    if (custom.isEmpty()) {
      return local(ex, facts, next);
    }
    AuthorizationPolicy policy = custom.get();
    ExtAuthzClient service = services.get(policy.provider());
    return service.check(ex).compose(outcome -> {
      if (outcome instanceof ExtAuthzClient.Outcome.Allowed allowed) {
        metrics.authz(policy.name(), "CUSTOM", "allowed").increment();
        allowed.upstream().forEach(h -> ex.upstreamHeaders().set(h.getKey(), allowed.upstream().getAll(h.getKey())));
        return local(ex, facts, next);
      }
      if (outcome instanceof ExtAuthzClient.Outcome.Denied denied) {
        metrics.authz(policy.name(), "CUSTOM", "denied").increment();
        ex.policy("CUSTOM " + policy.name());
        HttpServerResponse response = ex.response();
        response.setStatusCode(denied.status());
        denied.headers().forEach(h -> response.headers().add(h.getKey(), h.getValue()));
        ex.editResponseHead(response.headers());
        return response.end(denied.body());
      }
      String why = ((ExtAuthzClient.Outcome.Failed) outcome).why();
      metrics.authz(policy.name(), "CUSTOM", "error").increment();
      if (service.config().failOpen()) {
        return local(ex, facts, next);
      }
      ex.policy("CUSTOM " + policy.name());
      return Future.failedFuture(new GatewayException(Reason.EXT_AUTHZ_ERROR, policy.provider() + ": " + why,
          service.config().statusOnError()));
    });
  }

  private Future<Void> local(Exchange ex, RequestFacts facts, Stage next) {
    Decision d = authorizer.decide(facts);
    for (String audited : d.audited()) {
      metrics.authz(audited, "AUDIT", "audited").increment();
    }
    String result = d.allowed() ? "allowed" : "denied";
    metrics.authz(d.policy(), d.action().name(), result).increment();
    if (!d.allowed() || !d.policy().equals(Decision.NO_POLICY)) {
      ex.policy(d.action().name() + " " + d.policy());
    }
    if (!d.allowed()) {
      return Future.failedFuture(new GatewayException(Reason.ACCESS_DENIED, d.action() + " " + d.policy()));
    }
    return next.handle(ex);
  }
}
