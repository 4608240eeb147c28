package io.gatehouse.routes.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.net.URI;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The checks of a policy's values that both the native loader and the Istio translation run, so
 * the two cannot drift: string forms, addresses, ports, condition keys; and the names a whole
 * config must define (CUSTOM providers, attached listeners and routes).
 */
public final class Policies {
  private Policies() {}

  /** Each problem of {@code rule} as {@code field: message} ({@code from[0].source.ipBlocks: …}). */
  public static List<String> problems(AuthorizationPolicy.Rule rule) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < rule.from().size(); i++) {
      AuthorizationPolicy.Source s = rule.from().get(i);
      String at = "from[" + i + "].source.";
      forms(out, at, Map.of("principals", s.principals(), "notPrincipals", s.notPrincipals(),
          "requestPrincipals", s.requestPrincipals(), "notRequestPrincipals", s.notRequestPrincipals(),
          "namespaces", s.namespaces(), "notNamespaces", s.notNamespaces()));
      ips(out, at, Map.of("ipBlocks", s.ipBlocks(), "notIpBlocks", s.notIpBlocks(), "remoteIpBlocks", s.remoteIpBlocks(),
          "notRemoteIpBlocks", s.notRemoteIpBlocks()));
    }
    for (int i = 0; i < rule.to().size(); i++) {
      AuthorizationPolicy.Operation o = rule.to().get(i);
      String at = "to[" + i + "].operation.";
      forms(out, at, Map.of("hosts", o.hosts(), "notHosts", o.notHosts(), "methods", o.methods(),
          "notMethods", o.notMethods(), "paths", o.paths(), "notPaths", o.notPaths()));
      for (int port : concat(o.ports(), o.notPorts())) {
        if (port < 1 || port > 65535) {
          out.add(at + "ports: " + port + " (expected a port 1..65535)");
        }
      }
    }
    for (int i = 0; i < rule.when().size(); i++) {
      AuthorizationPolicy.Condition c = rule.when().get(i);
      String at = "when[" + i + "]";
      Attributes.problem(c.key()).ifPresent(p -> out.add(at + ".key: " + p));
      if (c.values().isEmpty() && c.notValues().isEmpty()) {
        out.add(at + ": values or notValues is required");
      }
      List<String> all = concat(c.values(), c.notValues());
      if (Set.of("source.ip", "remote.ip", "destination.ip").contains(c.key())) {
        all.stream().map(Attributes::cidrProblem).filter(p -> p != null).forEach(p -> out.add(at + ".values: " + p));
      } else if (c.key().equals("destination.port")) {
        all.stream().filter(v -> !v.matches("\\d{1,5}") || Integer.parseInt(v) > 65535)
            .forEach(v -> out.add(at + ".values: \"" + v + "\" is not a port"));
      } else {
        all.stream().map(StringForm::problem).filter(p -> p != null).forEach(p -> out.add(at + ".values: " + p));
      }
    }
    return out;
  }

  private static void forms(List<String> out, String at, Map<String, List<String>> fields) {
    fields.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> e.getValue().stream()
        .map(StringForm::problem).filter(p -> p != null).forEach(p -> out.add(at + e.getKey() + ": " + p)));
  }

  private static void ips(List<String> out, String at, Map<String, List<String>> fields) {
    fields.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> e.getValue().stream()
        .map(Attributes::cidrProblem).filter(p -> p != null).forEach(p -> out.add(at + e.getKey() + ": " + p)));
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /** A name that a provider or policy refers to and the config does not define. */
  public record Dangling(String kind, String name, String message) {}

  /**
   * CUSTOM policies whose provider is not an extAuthz service, and listeners or routes named by an
   * attachment that the config does not have.
   */
  public static List<Dangling> dangling(Security security, Set<String> listeners, Set<String> routes) {
    List<Dangling> out = new ArrayList<>();
    Set<String> services = new java.util.TreeSet<>();
    security.extAuthz().forEach(e -> services.add(e.name()));
    for (AuthorizationPolicy p : security.authorization()) {
      if (p.action() == AuthorizationPolicy.Action.CUSTOM && !services.contains(p.provider())) {
        out.add(new Dangling("authorization", p.name(), "authorization policy \"" + p.name() + "\": provider: extAuthz service \""
            + p.provider() + "\" is not defined (known: " + (services.isEmpty() ? "none" : String.join(", ", services)) + ")"));
      }
      attachment(out, "authorization", "authorization policy", p.name(), p.attachment(), listeners, routes);
    }
    for (JwtProvider j : security.authentication()) {
      attachment(out, "authentication", "authentication provider", j.name(), j.attachment(), listeners, routes);
    }
    return out;
  }

  private static void attachment(List<Dangling> out, String kind, String what, String name, Attachment a,
                                 Set<String> listeners, Set<String> routes) {
    for (String l : a.listeners()) {
      if (!listeners.contains(l)) {
        out.add(new Dangling(kind, name, what + " \"" + name + "\": listeners: listener \"" + l + "\" is not defined"));
      }
    }
    for (String r : a.routes()) {
      if (!routes.contains(r)) {
        out.add(new Dangling(kind, name, what + " \"" + name + "\": routes: route \"" + r + "\" is not defined"));
      }
    }
  }

  /** {@code https://…}, or {@code http://} to a loopback host. */
  public static Optional<String> jwksUriProblem(String text) {
    try {
      URI uri = new URI(text);
      String host = uri.getHost() == null ? "" : uri.getHost();
      if ("https".equals(uri.getScheme()) && !host.isEmpty()) {
        return Optional.empty();
      }
      if ("http".equals(uri.getScheme()) && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"))) {
        return Optional.empty();
      }
      return Optional.of("\"" + text + "\"" + " (expected an https:// URL; http:// only to a loopback host)");
    } catch (java.net.URISyntaxException e) {
      return Optional.of("\"" + text + "\"" + " is not a URL");
    }
  }

  /** A JWKS document with only asymmetric keys: why not, or empty. */
  public static Optional<String> jwksProblem(String text) {
    JsonNode doc;
    try {
      doc = JSON.readTree(text);
    } catch (java.io.IOException e) {
      return Optional.of("not JSON (expected a JWKS document {\"keys\": [...]})");
    }
    if (doc == null || !doc.path("keys").isArray()) {
      return Optional.of("expected a JWKS document {\"keys\": [...]}");
    }
    for (JsonNode key : doc.path("keys")) {
      String kty = key.path("kty").asText("");
      if (!java.util.Set.of("RSA", "EC").contains(kty)) {
        return Optional.of("key type \"" + kty + "\" is not accepted (expected RSA or EC: public keys only)");
      }
    }
    return Optional.empty();
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
}
