package io.gatehouse.routes.load;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.HeaderOps;
import io.gatehouse.routes.Mirror;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Rewrite;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.RouteTracing;
import io.gatehouse.routes.Upstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.SortedSet;
import java.util.stream.Collectors;

/**
 * Reads {@code routes}: hosts, match entries, exactly one action, rewrite, header edits, timeout
 * ({@code 0s}: none), retries, and the traffic policies ({@link RoutePolicyReader}).
 */
final class RouteReader {
  private static final Set<String> KEYS = Set.of("name", "hosts", "listeners", "match", "backends", "redirect",
      "directResponse", "rewrite", "headers", "timeout", "retries", "fault", "rateLimit", "maxBodySize", "mirror", "cors",
      "tracing", "compression", "stickySession", "grpcWeb");
  private static final Set<String> ACTIONS = Set.of("backends", "redirect", "directResponse");

  private final Problems problems;
  private final Set<String> upstreams;
  private final Names names;
  private final MatchReader matches;
  private final ActionReader actions;
  private final RoutePolicyReader policies;
  private final Optional<SortedSet<String>> listenerNames;

  /** With {@code listenerNames}, a route's {@code listeners} must name defined listeners. */
  RouteReader(Problems problems, List<Upstream> upstreams, boolean checkUpstreams, Optional<SortedSet<String>> listenerNames) {
    this.problems = problems;
    this.listenerNames = listenerNames;
    this.upstreams = upstreams.stream().map(Upstream::name).collect(Collectors.toCollection(java.util.TreeSet::new));
    this.names = Names.of("route", problems);
    this.matches = new MatchReader(problems);
    this.actions = new ActionReader(problems, this.upstreams, checkUpstreams);
    this.policies = new RoutePolicyReader(problems, this.upstreams, checkUpstreams);
  }

  List<Route> read(List<Located> items) {
    List<Route> out = new ArrayList<>();
    for (Located item : items) {
      Fields.of(item.node(), "route", problems, KEYS).ifPresent(f -> out.add(route(f)));
    }
    return out;
  }

  private Route route(Fields raw) {
    String name = names.claim(raw);
    Fields f = name.isEmpty() ? raw : raw.as("route " + name);
    List<String> hosts = new ArrayList<>();
    for (String h : f.strings("hosts")) {
      Values.hostPattern(h).ifPresentOrElse(hosts::add, () -> problems.add(f.origin("hosts"), "route " + Fields.quote(name)
          + ": host " + Fields.quote(h) + " is not valid (expected an exact name, *.domain or *; no port)"));
    }
    if (!f.has("hosts")) {
      hosts.add("*");
    } else if (hosts.isEmpty() && f.node("hosts") instanceof Node.Sequence seq && seq.items().isEmpty()) {
      problems.add(f.origin("hosts"), "route " + Fields.quote(name) + ": \"hosts\" is empty (leave it out to take every host)");
    }
    List<String> listeners = listeners(f, name);
    List<RequestMatch> match = new ArrayList<>();
    for (Node node : f.list("match")) {
      matches.read(node, name).ifPresent(match::add);
    }
    if (!f.has("match")) {
      match.add(RequestMatch.ANY);
    } else if (f.node("match") instanceof Node.Sequence seq && seq.items().isEmpty()) {
      problems.add(f.origin("match"), "route " + Fields.quote(name) + ": \"match\" is empty (leave it out to take every request)");
    }
    Action action = action(f, name);
    Rewrite rewrite = f.nested("rewrite", "route " + name + " rewrite", Set.of("prefix", "regex", "host"))
        .map(r -> actions.rewrite(r, match)).orElse(Rewrite.NONE);
    HeaderOps headers = f.nested("headers", "route " + name + " headers", Set.of("request", "response"))
        .map(HeaderReader::read).orElse(HeaderOps.NONE);
    // 0s is no timeout (Route.NO_TIMEOUT), as Envoy's route timeout of 0 and Istio's and Gateway API's "0s" are.
    Duration timeout = f.timeout("timeout", Route.DEFAULT_TIMEOUT, Route.MAX_TIMEOUT);
    Mirror mirror = policies.mirror(f);
    if (mirror.enabled() && !(action instanceof Action.Forward)) {
      problems.add(f.origin("mirror"), "route " + Fields.quote(name) + ": mirror needs backends (a redirect or direct response is not forwarded)");
    }
    return Route.builder(name, action).hosts(hosts).match(match).rewrite(rewrite).headers(headers).timeout(timeout)
        .retries(RetryReader.read(f)).fault(policies.fault(f)).rateLimit(policies.rateLimit(f))
        .maxBodySize(policies.maxBodySize(f)).mirror(mirror).cors(policies.cors(f)).tracing(tracing(f))
        .listeners(listeners).compression(CompressionReader.read(f))
        .stickySession(StickySessionReader.read(f, action, problems)).grpcWeb(f.bool("grpcWeb", true)).build();
  }

  /**
   * The listener names of {@code listeners}, each once; checked against the defined listeners when
   * they are known (not in a fragment: {@link CrossCheck} checks the merged config).
   */
  private List<String> listeners(Fields f, String name) {
    if (!f.has("listeners")) {
      return Route.ALL_LISTENERS;
    }
    List<String> out = new ArrayList<>();
    for (String l : f.strings("listeners")) {
      if (listenerNames.isPresent() && !listenerNames.get().contains(l)) {
        problems.add(f.origin("listeners"), "route " + Fields.quote(name) + ": listeners: listener " + Fields.quote(l)
            + " is not defined (known: " + (listenerNames.get().isEmpty() ? "none" : String.join(", ", listenerNames.get())) + ")");
      } else if (!out.contains(l)) {
        out.add(l);
      }
    }
    if (f.node("listeners") instanceof Node.Sequence seq && seq.items().isEmpty()) {
      problems.add(f.origin("listeners"), "route " + Fields.quote(name)
          + ": \"listeners\" is empty (leave it out to serve on every listener)");
    }
    return out;
  }

  private Action action(Fields f, String name) {
    List<String> present = ACTIONS.stream().filter(f::has).sorted().toList();
    if (present.size() != 1) {
      problems.add(f.origin(), "route " + Fields.quote(name) + ": expected exactly one of backends, redirect, directResponse (found "
          + (present.isEmpty() ? "none" : String.join(", ", present)) + ")");
      return new Action.DirectResponse(500, "");
    }
    return switch (present.get(0)) {
      case "backends" -> actions.forward(f, name);
      case "redirect" -> actions.redirect(f, name);
      default -> actions.directResponse(f, name);
    };
  }

  static boolean allPrefix(List<RequestMatch> match) {
    return match.stream().allMatch(m -> m.path() instanceof PathMatch.Prefix);
  }

  /** {@code tracing: { sampling: PERCENT }}: the route's own sampling ratio. */
  private RouteTracing tracing(Fields f) {
    return f.nested("tracing", f.what() + " tracing", Set.of("sampling"))
        .map(t -> t.has("sampling")
            ? new RouteTracing(OptionalDouble.of(t.decimal("sampling", 100, 0, 100)))
            : RouteTracing.NONE)
        .orElse(RouteTracing.NONE);
  }
}
