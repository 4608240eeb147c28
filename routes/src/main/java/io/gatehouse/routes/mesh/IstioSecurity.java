package io.gatehouse.routes.mesh;

import io.gatehouse.routes.auth.Attachment;
import io.gatehouse.routes.auth.AuthorizationPolicy;
import io.gatehouse.routes.auth.JwtProvider;
import io.gatehouse.routes.auth.Policies;
import io.gatehouse.routes.auth.Security;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Istio {@code security.istio.io} (v1 and v1beta1) {@code RequestAuthentication}s and
 * {@code AuthorizationPolicy}s that apply to this gateway become JWT providers and authorization
 * policies: those whose {@code selector.matchLabels} match the gateway's labels, whose
 * {@code targetRefs} name a Gateway API Gateway of its class, or that have neither and live in the
 * root namespace {@code istio-system} (mesh-wide). A field the gateway cannot evaluate inside a
 * rule is warned about and handled as Istio handles it: the rule of an ALLOW (AUDIT, CUSTOM)
 * policy is left out (it never matches), the condition of a DENY rule is left out (it denies more).
 */
final class IstioSecurity {
  static final String ROOT_NAMESPACE = "istio-system";
  private static final Set<String> SOURCE_KEYS = Set.of("principals", "notPrincipals", "requestPrincipals",
      "notRequestPrincipals", "namespaces", "notNamespaces", "ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks");
  private static final Set<String> OPERATION_KEYS = Set.of("hosts", "notHosts", "ports", "notPorts", "methods",
      "notMethods", "paths", "notPaths");
  private static final Set<String> JWT_KEYS = Set.of("issuer", "audiences", "jwksUri", "jwks", "fromHeaders", "fromParams",
      "fromCookies", "outputPayloadToHeader", "forwardOriginalToken", "outputClaimToHeaders", "timeout");

  private IstioSecurity() {}

  static Security translate(Catalog catalog, Report report) {
    List<JwtProvider> providers = new ArrayList<>();
    for (MeshResource r : catalog.of(Kinds.REQUEST_AUTHENTICATION)) {
      if (applies(catalog, r)) {
        List<JwtProvider> own = new ArrayList<>();
        report.run(r, scope -> requestAuthentication(scope, r, own));
        if (report.accepted().getOrDefault(r.id(), false)) {
          providers.addAll(own);
        }
      }
    }
    List<AuthorizationPolicy> policies = new ArrayList<>();
    for (MeshResource r : catalog.of(Kinds.AUTHORIZATION_POLICY)) {
      if (applies(catalog, r)) {
        AuthorizationPolicy[] own = new AuthorizationPolicy[1];
        report.run(r, scope -> own[0] = authorizationPolicy(scope, r));
        if (report.accepted().getOrDefault(r.id(), false) && own[0] != null) {
          policies.add(own[0]);
        }
      }
    }
    return new Security(providers, policies, List.of());
  }

  /** Whether the resource selects this gateway (see the class comment). */
  static boolean applies(Catalog catalog, MeshResource r) {
    Tree spec = r.spec();
    if (spec.has("selector")) {
      return catalog.settings.selects(spec.get("selector").map("matchLabels"));
    }
    List<Tree> refs = new ArrayList<>(spec.get("targetRefs").itemsOrEmpty());
    if (spec.has("targetRef")) {
      refs.add(spec.get("targetRef"));
    }
    if (refs.isEmpty()) {
      return r.namespace().equals(ROOT_NAMESPACE);
    }
    for (Tree ref : refs) {
      if (ref.text("kind").equals("Gateway") && ref.text("group").equals("gateway.networking.k8s.io")) {
        String ns = ref.text("namespace").isEmpty() ? r.namespace() : ref.text("namespace");
        Optional<MeshResource> gateway = catalog.get(Kinds.GATEWAY, ns, ref.text("name"));
        if (gateway.isPresent() && gateway.get().spec().text("gatewayClassName").equals(catalog.settings.gatewayClassName())) {
          return true;
        }
      }
    }
    return false;
  }

  private static void requestAuthentication(Scope scope, MeshResource r, List<JwtProvider> out) {
    Tree spec = r.spec();
    scope.unknownKeys(spec, Set.of("selector", "targetRef", "targetRefs", "jwtRules"));
    List<Tree> rules = spec.get("jwtRules").items();
    for (int i = 0; i < rules.size(); i++) {
      Tree rule = rules.get(i);
      scope.unknownKeys(rule, JWT_KEYS);
      String issuer = rule.text("issuer");
      if (issuer.isEmpty()) {
        scope.error(rule.get("issuer"), "issuer is required");
        continue;
      }
      JwtProvider.Jwks jwks;
      if (rule.has("jwks")) {
        String text = rule.text("jwks");
        Optional<String> problem = Policies.jwksProblem(text);
        if (problem.isPresent()) {
          scope.error(rule.get("jwks"), problem.get());
          continue;
        }
        jwks = new JwtProvider.Jwks.Inline(text);
      } else if (rule.has("jwksUri")) {
        String uri = rule.text("jwksUri");
        Optional<String> problem = Policies.jwksUriProblem(uri);
        if (problem.isPresent()) {
          scope.error(rule.get("jwksUri"), problem.get());
          continue;
        }
        jwks = new JwtProvider.Jwks.Remote(uri, duration(scope, rule.get("timeout"), JwtProvider.Jwks.Remote.DEFAULT_TIMEOUT), "");
      } else {
        scope.error(rule, "jwksUri or jwks is required (OpenID discovery from the issuer is not supported)");
        continue;
      }
      List<JwtProvider.FromHeader> headers = new ArrayList<>();
      for (Tree h : rule.get("fromHeaders").items()) {
        scope.unknownKeys(h, Set.of("name", "prefix"));
        headers.add(new JwtProvider.FromHeader(h.text("name").toLowerCase(Locale.ROOT), h.text("prefix")));
      }
      List<String> params = rule.texts("fromParams");
      List<String> cookies = rule.texts("fromCookies");
      if (headers.isEmpty() && params.isEmpty() && cookies.isEmpty()) {
        headers.addAll(JwtProvider.DEFAULT_HEADERS);
        params = JwtProvider.DEFAULT_PARAMS;
      }
      List<JwtProvider.ClaimToHeader> claims = new ArrayList<>();
      for (Tree c : rule.get("outputClaimToHeaders").items()) {
        scope.unknownKeys(c, Set.of("header", "claim"));
        claims.add(new JwtProvider.ClaimToHeader(c.text("header").toLowerCase(Locale.ROOT), c.text("claim")));
      }
      out.add(new JwtProvider("istio." + r.namespace() + "." + r.name() + "." + i, issuer, rule.texts("audiences"), jwks,
          headers, params, cookies, rule.get("forwardOriginalToken").node().asBoolean(false),
          rule.text("outputPayloadToHeader").toLowerCase(Locale.ROOT), claims, JwtProvider.DEFAULT_CLOCK_SKEW,
          JwtProvider.Cache.DEFAULT, Attachment.EVERYWHERE));
    }
  }

  private static java.time.Duration duration(Scope scope, Tree at, java.time.Duration fallback) {
    if (!at.present()) {
      return fallback;
    }
    Optional<java.time.Duration> d = Tree.duration(at.text());
    if (d.isEmpty()) {
      scope.error(at, "\"" + at.text() + "\" is not a duration");
    }
    return d.orElse(fallback);
  }

  private static AuthorizationPolicy authorizationPolicy(Scope scope, MeshResource r) {
    Tree spec = r.spec();
    scope.unknownKeys(spec, Set.of("selector", "targetRef", "targetRefs", "action", "provider", "rules"));
    String actionText = spec.text("action").isEmpty() ? "ALLOW" : spec.text("action");
    AuthorizationPolicy.Action action;
    try {
      action = AuthorizationPolicy.Action.valueOf(actionText);
    } catch (IllegalArgumentException e) {
      scope.error(spec.get("action"), "\"" + actionText + "\" is not an action (expected ALLOW, DENY, AUDIT, CUSTOM)");
      return null;
    }
    String provider = "";
    if (action == AuthorizationPolicy.Action.CUSTOM) {
      provider = spec.get("provider").text("name");
      if (provider.isEmpty()) {
        scope.error(spec.get("provider"), "CUSTOM needs provider.name (an extAuthz service of the native config)");
        return null;
      }
    } else if (spec.has("provider")) {
      scope.warn(spec.get("provider"), "only read with action CUSTOM; ignored");
    }
    boolean narrow = action != AuthorizationPolicy.Action.DENY;
    List<AuthorizationPolicy.Rule> rules = new ArrayList<>();
    List<Tree> written = spec.get("rules").items();
    for (Tree rule : written) {
      rule(scope, rule, narrow).ifPresent(rules::add);
    }
    return new AuthorizationPolicy("istio." + r.namespace() + "." + r.name(), action, provider, rules, Attachment.EVERYWHERE);
  }

  /**
   * One rule, or empty when it cannot be evaluated and {@code narrow} (ALLOW-like) asks to leave it
   * out; for DENY, what cannot be evaluated is left out of the rule instead.
   */
  private static Optional<AuthorizationPolicy.Rule> rule(Scope scope, Tree rule, boolean narrow) {
    boolean unsupported = unsupported(scope, rule, Set.of("from", "to", "when"), narrow);
    List<AuthorizationPolicy.Source> from = new ArrayList<>();
    for (Tree f : rule.get("from").items()) {
      unsupported |= unsupported(scope, f, Set.of("source"), narrow);
      Tree s = f.get("source");
      unsupported |= unsupported(scope, s, SOURCE_KEYS, narrow);
      from.add(new AuthorizationPolicy.Source(s.texts("principals"), s.texts("notPrincipals"), s.texts("requestPrincipals"),
          s.texts("notRequestPrincipals"), s.texts("namespaces"), s.texts("notNamespaces"), s.texts("ipBlocks"),
          s.texts("notIpBlocks"), s.texts("remoteIpBlocks"), s.texts("notRemoteIpBlocks")));
    }
    List<AuthorizationPolicy.Operation> to = new ArrayList<>();
    for (Tree t : rule.get("to").items()) {
      unsupported |= unsupported(scope, t, Set.of("operation"), narrow);
      Tree o = t.get("operation");
      unsupported |= unsupported(scope, o, OPERATION_KEYS, narrow);
      to.add(new AuthorizationPolicy.Operation(o.texts("hosts"), o.texts("notHosts"), ports(scope, o.get("ports")),
          ports(scope, o.get("notPorts")), o.texts("methods"), o.texts("notMethods"), o.texts("paths"), o.texts("notPaths")));
    }
    List<AuthorizationPolicy.Condition> when = new ArrayList<>();
    for (Tree c : rule.get("when").items()) {
      unsupported |= unsupported(scope, c, Set.of("key", "values", "notValues"), narrow);
      String key = c.text("key");
      Optional<String> keyProblem = io.gatehouse.routes.auth.Policies.problems(new AuthorizationPolicy.Rule(List.of(), List.of(),
          List.of(new AuthorizationPolicy.Condition(key, List.of("x"), List.of())))).stream()
          .filter(p -> p.startsWith("when[0].key:")).findFirst(); // the key only: "x" is no address or port, and values are checked below
      if (keyProblem.isPresent()) {
        scope.warn(c.get("key"), keyProblem.get().substring(keyProblem.get().indexOf(": ") + 2) + "; "
            + (narrow ? "the rule is left out (never matches)" : "the condition is left out (the rule denies more)"));
        unsupported = true;
        continue;
      }
      when.add(new AuthorizationPolicy.Condition(key, c.texts("values"), c.texts("notValues")));
    }
    if (unsupported && narrow) {
      return Optional.empty();
    }
    AuthorizationPolicy.Rule out = new AuthorizationPolicy.Rule(from, to, when);
    for (String problem : Policies.problems(out)) {
      int colon = problem.indexOf(": ");
      scope.error(Tree.missing(rule.path() + "." + problem.substring(0, colon)), problem.substring(colon + 2));
    }
    return Optional.of(out);
  }

  /** Warns about each key outside {@code known}; whether there was one. */
  private static boolean unsupported(Scope scope, Tree at, Set<String> known, boolean narrow) {
    boolean found = false;
    for (String key : at.keys()) {
      if (!known.contains(key)) {
        scope.warn(at.get(key), "not supported by this build; "
            + (narrow ? "the rule is left out (never matches)" : "the field is left out (the rule denies more)"));
        found = true;
      }
    }
    return found;
  }

  private static List<Integer> ports(Scope scope, Tree at) {
    List<Integer> out = new ArrayList<>();
    for (Tree p : at.items()) {
      String text = p.text();
      if (text.matches("\\d{1,5}")) {
        out.add(Integer.parseInt(text));
      } else {
        scope.error(p, "\"" + text + "\" is not a port");
      }
    }
    return out;
  }
}
