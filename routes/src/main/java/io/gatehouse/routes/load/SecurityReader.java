package io.gatehouse.routes.load;

import io.gatehouse.routes.auth.Attachment;
import io.gatehouse.routes.auth.AuthorizationPolicy;
import io.gatehouse.routes.auth.ExtAuthz;
import io.gatehouse.routes.auth.JwtProvider;
import io.gatehouse.routes.auth.Policies;
import io.gatehouse.routes.auth.Security;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads {@code authentication} (JWT providers), {@code authorization} (policies) and
 * {@code extAuthz} (external authorization services), each a list of named entries.
 */
final class SecurityReader {
  private static final Set<String> JWT_KEYS = Set.of("name", "issuer", "audiences", "jwksUri", "jwksTimeout", "jwksCaCert",
      "jwks", "jwksFile", "fromHeaders", "fromParams", "fromCookies", "forwardOriginalToken", "outputPayloadToHeader",
      "outputClaimToHeaders", "clockSkew", "cache", "listeners", "routes");
  private static final Set<String> POLICY_KEYS = Set.of("name", "action", "provider", "rules", "listeners", "routes");
  private static final Set<String> EXT_KEYS = Set.of("name", "uri", "timeout", "failOpen", "statusOnError", "headersToSend",
      "headersToUpstream", "headersToClient");

  private final Problems problems;
  private final java.util.Map<String, io.gatehouse.routes.Origin> origins = new java.util.HashMap<>();

  SecurityReader(Problems problems) {
    this.problems = problems;
  }

  Security read(List<Located> authentication, List<Located> authorization, List<Located> extAuthz) {
    Names providerNames = Names.of("authentication provider", problems);
    List<JwtProvider> providers = new ArrayList<>();
    for (Located item : authentication) {
      Fields.of(item.node(), "authentication provider", problems, JWT_KEYS)
          .ifPresent(f -> providers.add(provider(f, providerNames, item)));
    }
    Names extNames = Names.of("extAuthz service", problems);
    List<ExtAuthz> services = new ArrayList<>();
    for (Located item : extAuthz) {
      Fields.of(item.node(), "extAuthz service", problems, EXT_KEYS).ifPresent(f -> services.add(extAuthz(f, extNames)));
    }
    Names policyNames = Names.of("authorization policy", problems);
    List<AuthorizationPolicy> policies = new ArrayList<>();
    for (Located item : authorization) {
      Fields.of(item.node(), "authorization policy", problems, POLICY_KEYS)
          .ifPresent(f -> policies.add(policy(f, policyNames)));
    }
    return new Security(providers, policies, services);
  }

  private JwtProvider provider(Fields raw, Names names, Located item) {
    String name = names.claim(raw);
    origins.putIfAbsent("authentication/" + name, raw.origin());
    Fields f = raw.as("authentication provider " + name);
    String issuer = f.required("issuer");
    List<String> present = List.of("jwksUri", "jwks", "jwksFile").stream().filter(f::has).toList();
    JwtProvider.Jwks jwks = new JwtProvider.Jwks.Inline("{\"keys\":[]}");
    if (present.size() != 1) {
      problems.add(f.origin(), f.what() + ": expected exactly one of jwksUri, jwks, jwksFile (found "
          + (present.isEmpty() ? "none" : String.join(", ", present)) + ")");
    } else if (present.get(0).equals("jwksUri")) {
      String uri = f.string("jwksUri", "");
      Policies.jwksUriProblem(uri).ifPresent(p -> problems.add(f.node("jwksUri").origin(), f.what() + ".jwksUri: " + p));
      String ca = f.has("jwksCaCert") ? FileRefs.existing(f, "jwksCaCert", f.string("jwksCaCert", ""), item.baseDir()) : "";
      jwks = new JwtProvider.Jwks.Remote(uri, f.timeout("jwksTimeout", JwtProvider.Jwks.Remote.DEFAULT_TIMEOUT), ca);
    } else if (present.get(0).equals("jwks")) {
      String text = f.string("jwks", "");
      Policies.jwksProblem(text).ifPresent(p -> problems.add(f.node("jwks").origin(), f.what() + ".jwks: " + p));
      jwks = new JwtProvider.Jwks.Inline(text);
    } else {
      jwks = new JwtProvider.Jwks.File(FileRefs.existing(f, "jwksFile", f.string("jwksFile", ""), item.baseDir()));
    }
    if (!present.contains("jwksUri")) {
      for (String key : List.of("jwksTimeout", "jwksCaCert")) {
        if (f.has(key)) {
          problems.add(f.origin(key), f.what() + "." + key + ": only with jwksUri");
        }
      }
    }
    List<JwtProvider.FromHeader> headers = new ArrayList<>();
    for (Node n : f.list("fromHeaders")) {
      Fields.of(n, f.what() + " fromHeaders", problems, Set.of("name", "prefix")).ifPresent(h ->
          headers.add(new JwtProvider.FromHeader(h.required("name").toLowerCase(Locale.ROOT), h.string("prefix", ""))));
    }
    List<String> params = f.strings("fromParams");
    List<String> cookies = f.strings("fromCookies");
    if (!f.has("fromHeaders") && !f.has("fromParams") && !f.has("fromCookies")) {
      headers.addAll(JwtProvider.DEFAULT_HEADERS);
      params = JwtProvider.DEFAULT_PARAMS;
    }
    List<JwtProvider.ClaimToHeader> claims = new ArrayList<>();
    for (Node n : f.list("outputClaimToHeaders")) {
      Fields.of(n, f.what() + " outputClaimToHeaders", problems, Set.of("header", "claim")).ifPresent(c ->
          claims.add(new JwtProvider.ClaimToHeader(c.required("header").toLowerCase(Locale.ROOT), c.required("claim"))));
    }
    JwtProvider.Cache cache = f.nested("cache", f.what() + " cache", Set.of("maxTokens", "jwksRefresh", "jwksMinInterval"))
        .map(c -> new JwtProvider.Cache(c.integer("maxTokens", JwtProvider.Cache.DEFAULT.maxTokens(), 0, 10_000_000),
            positive(c, "jwksRefresh", JwtProvider.Cache.DEFAULT.jwksRefresh()),
            c.duration("jwksMinInterval", JwtProvider.Cache.DEFAULT.jwksMinInterval())))
        .orElse(JwtProvider.Cache.DEFAULT);
    return new JwtProvider(name, issuer, f.strings("audiences"), jwks, headers, params, cookies,
        f.bool("forwardOriginalToken", false), f.string("outputPayloadToHeader", "").toLowerCase(Locale.ROOT), claims,
        f.duration("clockSkew", JwtProvider.DEFAULT_CLOCK_SKEW), cache, attachment(f));
  }

  private Duration positive(Fields f, String key, Duration fallback) {
    Duration d = f.timeout(key, fallback);
    if (d.isZero()) {
      problems.add(f.origin(key), f.what() + "." + key + ": must be more than 0");
      return fallback;
    }
    return d;
  }

  private ExtAuthz extAuthz(Fields raw, Names names) {
    String name = names.claim(raw);
    Fields f = raw.as("extAuthz service " + name);
    String uri = f.required("uri");
    try {
      URI parsed = new URI(uri);
      if (!("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme())) || parsed.getHost() == null
          || parsed.getQuery() != null) {
        problems.add(f.origin("uri"), f.what() + ".uri: " + Fields.quote(uri) + " (expected http(s)://host[:port][/path prefix])");
      }
    } catch (java.net.URISyntaxException e) {
      problems.add(f.origin("uri"), f.what() + ".uri: " + Fields.quote(uri) + " is not a URL");
    }
    Duration timeout = positive(f, "timeout", ExtAuthz.DEFAULT_TIMEOUT);
    return new ExtAuthz(name, uri, timeout, f.bool("failOpen", false),
        f.integer("statusOnError", ExtAuthz.DEFAULT_STATUS_ON_ERROR, 200, 599), lower(f.strings("headersToSend")),
        lower(f.strings("headersToUpstream")), lower(f.strings("headersToClient")));
  }

  private static List<String> lower(List<String> names) {
    return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
  }

  private AuthorizationPolicy policy(Fields raw, Names names) {
    String name = names.claim(raw);
    origins.putIfAbsent("authorization/" + name, raw.origin());
    Fields f = raw.as("authorization policy " + name);
    AuthorizationPolicy.Action action = f.enumValue("action", AuthorizationPolicy.Action.class, AuthorizationPolicy.Action.ALLOW);
    String provider = f.string("provider", "");
    if (action == AuthorizationPolicy.Action.CUSTOM && provider.isEmpty()) {
      problems.add(f.origin(), f.what() + ": action CUSTOM needs a provider (the name of an extAuthz service)");
    } else if (action != AuthorizationPolicy.Action.CUSTOM && !provider.isEmpty()) {
      problems.add(f.origin("provider"), f.what() + ".provider: only with action CUSTOM");
    }
    List<AuthorizationPolicy.Rule> rules = new ArrayList<>();
    for (Node n : f.list("rules")) {
      new PolicyRuleReader(problems, f.what()).rule(n).ifPresent(rules::add);
    }
    return new AuthorizationPolicy(name, action, provider, rules, attachment(f));
  }

  private Attachment attachment(Fields f) {
    return new Attachment(f.strings("listeners"), f.strings("routes"));
  }

  /**
   * Reports the names that must exist in a whole config: CUSTOM providers among the extAuthz
   * services, and the listeners and routes each provider and policy is attached to.
   */
  void checkNames(Security security, Set<String> listeners, Set<String> routes) {
    for (Policies.Dangling d : Policies.dangling(security, listeners, routes)) {
      problems.add(origins.getOrDefault(d.kind() + "/" + d.name(), new io.gatehouse.routes.Origin("config", 0)), d.message());
    }
  }
}
