package io.gatehouse.routes.auth;

import io.gatehouse.routes.egress.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The attributes an authorization condition ({@code when.key}) may name, as Istio's
 * "Authorization Policy Conditions" reference lists them, compiled into predicates.
 */
final class Attributes {
  static final List<String> KEYS = List.of("request.headers[NAME]", "source.ip", "remote.ip", "destination.ip",
      "destination.port", "source.namespace", "source.principal", "request.auth.principal", "request.auth.audiences",
      "request.auth.presenter", "request.auth.claims[NAME]", "connection.sni");

  private Attributes() {}

  /** Why {@code key} is not a supported attribute, or empty. */
  static Optional<String> problem(String key) {
    if (key.startsWith("request.headers[")) {
      return key.endsWith("]") && key.length() > "request.headers[]".length() ? Optional.empty()
          : Optional.of("\"" + key + "\": expected request.headers[NAME]");
    }
    if (key.startsWith("request.auth.claims")) {
      return claimPath(key).isPresent() ? Optional.empty()
          : Optional.of("\"" + key + "\": expected request.auth.claims[NAME] or, nested, request.auth.claims[A][B]");
    }
    return KEYS.contains(key) ? Optional.empty()
        : Optional.of("\"" + key + "\" is not a supported attribute (expected one of: " + String.join(", ", KEYS) + ")");
  }

  /** {@code [a][b]} of {@code request.auth.claims[a][b]}, or empty if malformed. */
  static Optional<List<String>> claimPath(String key) {
    String rest = key.substring("request.auth.claims".length());
    List<String> path = new ArrayList<>();
    while (!rest.isEmpty()) {
      int close = rest.indexOf(']');
      if (!rest.startsWith("[") || close < 2) {
        return Optional.empty();
      }
      path.add(rest.substring(1, close));
      rest = rest.substring(close + 1);
    }
    return path.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(path));
  }

  /** The condition as a predicate; the key was checked by {@link #problem}. */
  static Predicate<AuthzRequest> compile(AuthorizationPolicy.Condition c) {
    String key = c.key();
    return switch (key) {
      case "source.ip" -> ips(c, AuthzRequest::sourceIp);
      case "remote.ip" -> ips(c, AuthzRequest::remoteIp);
      case "destination.ip" -> ips(c, AuthzRequest::destinationIp);
      case "destination.port" -> {
        List<Integer> in = c.values().stream().map(Integer::valueOf).toList();
        List<Integer> out = c.notValues().stream().map(Integer::valueOf).toList();
        yield r -> (in.isEmpty() || in.contains(r.port())) && !out.contains(r.port());
      }
      case "source.namespace" -> strings(c, r -> List.of(namespace(r.principal())), false);
      case "source.principal" -> strings(c, r -> List.of(r.principal()), false);
      case "request.auth.principal" -> strings(c, r -> List.of(r.requestPrincipal()), false);
      case "request.auth.audiences" -> strings(c, r -> r.claim(List.of("aud")), false);
      case "request.auth.presenter" -> strings(c, r -> r.claim(List.of("azp")), false);
      case "connection.sni" -> strings(c, r -> List.of(r.sni()), true);
      default -> {
        if (key.startsWith("request.headers[")) {
          String name = key.substring("request.headers[".length(), key.length() - 1).toLowerCase(Locale.ROOT);
          yield strings(c, r -> {
            String v = r.header(name);
            return v == null ? List.of() : List.of(v);
          }, false);
        }
        List<String> path = claimPath(key).orElseThrow();
        yield strings(c, r -> r.claim(path), false);
      }
    };
  }

  /** The namespace of a SPIFFE identity {@code td/ns/NS/sa/SA}, or "". */
  static String namespace(String principal) {
    int ns = principal.indexOf("/ns/");
    if (ns < 0) {
      return "";
    }
    int end = principal.indexOf('/', ns + 4);
    return end < 0 ? principal.substring(ns + 4) : principal.substring(ns + 4, end);
  }

  private static Predicate<AuthzRequest> strings(AuthorizationPolicy.Condition c,
                                                 Function<AuthzRequest, List<String>> values, boolean ignoreCase) {
    List<StringForm> in = StringForm.all(c.values(), ignoreCase);
    List<StringForm> out = StringForm.all(c.notValues(), ignoreCase);
    return r -> {
      List<String> v = values.apply(r);
      return (in.isEmpty() || StringForm.anyOf(in, v)) && !StringForm.anyOf(out, v);
    };
  }

  private static Predicate<AuthzRequest> ips(AuthorizationPolicy.Condition c, Function<AuthzRequest, byte[]> address) {
    List<Cidr> in = cidrs(c.values());
    List<Cidr> out = cidrs(c.notValues());
    return r -> {
      byte[] a = address.apply(r);
      return (in.isEmpty() || contains(in, a)) && !contains(out, a);
    };
  }

  /** {@code 10.0.0.0/8}, or a single address ({@code 10.0.0.1} is {@code /32}, an IPv6 one {@code /128}). */
  static List<Cidr> cidrs(List<String> written) {
    return written.stream().map(Attributes::cidr).toList();
  }

  static Cidr cidr(String written) {
    if (written.indexOf('/') >= 0) {
      return Cidr.parse(written);
    }
    return Cidr.parse(written + (written.indexOf(':') >= 0 ? "/128" : "/32"));
  }

  /** Why {@code written} is not an address or CIDR, or null. */
  static String cidrProblem(String written) {
    try {
      cidr(written);
      return null;
    } catch (IllegalArgumentException e) {
      return "\"" + written + "\" is not an IP address or CIDR";
    }
  }

  static boolean contains(List<Cidr> cidrs, byte[] address) {
    if (address.length == 0) {
      return false;
    }
    for (Cidr c : cidrs) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }
}
