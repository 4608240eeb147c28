package io.gatehouse.routes.table;

import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * Routes compiled for lookup, laid out like Envoy's RouteMatcher: exact hosts in a hash map,
 * wildcard suffixes grouped by length (longest first), then the catch-all {@code *}. Each host
 * bucket holds, precomputed, its own routes' match entries in declared order followed by those of
 * every less specific bucket that also takes the host, so a lookup is one or a few map hits and a
 * linear scan; the first entry that matches wins. Generic so this module never sees gateway types.
 */
public final class RouteTable<T> {
  private final Map<String, List<Candidate<T>>> exact;
  private final int[] suffixLengths;
  private final List<Map<String, List<Candidate<T>>>> wildcards;
  private final List<Candidate<T>> catchAll;
  private final T noRoute;

  private RouteTable(Map<String, List<Candidate<T>>> exact, int[] suffixLengths,
                     List<Map<String, List<Candidate<T>>>> wildcards, List<Candidate<T>> catchAll, T noRoute) {
    this.exact = exact;
    this.suffixLengths = suffixLengths;
    this.wildcards = wildcards;
    this.catchAll = catchAll;
    this.noRoute = noRoute;
  }

  /** Compiles {@code routes}; {@code build} turns each route's match entry into a T. */
  public static <T> RouteTable<T> compile(List<Route> routes, BiFunction<Route, RequestMatch, T> build, T noRoute) {
    // Own entries per host pattern, in declared order.
    Map<String, List<Candidate<T>>> own = new HashMap<>();
    for (Route route : routes) {
      List<Candidate<T>> compiled = new ArrayList<>();
      for (RequestMatch m : route.match()) {
        compiled.add(new Candidate<>(m, build.apply(route, m)));
      }
      for (String host : new LinkedHashSet<>(route.hosts())) {
        own.computeIfAbsent(host, h -> new ArrayList<>()).addAll(compiled);
      }
    }
    List<Candidate<T>> catchAll = List.copyOf(own.getOrDefault("*", List.of()));
    // Wildcard suffixes (".example.com" for "*.example.com"), longest first.
    TreeSet<String> suffixes = new TreeSet<>((a, b) -> a.length() != b.length() ? b.length() - a.length() : a.compareTo(b));
    own.keySet().stream().filter(h -> h.startsWith("*.")).map(h -> h.substring(1)).forEach(suffixes::add);

    int[] lengths = suffixes.stream().mapToInt(String::length).distinct().toArray();
    List<Map<String, List<Candidate<T>>>> wildcards = new ArrayList<>();
    for (int ignored : lengths) {
      wildcards.add(new HashMap<>());
    }
    for (String suffix : suffixes) {
      List<Candidate<T>> chain = new ArrayList<>(own.get("*" + suffix));
      for (String shorter : suffixes) {
        if (shorter.length() < suffix.length() && suffix.endsWith(shorter)) {
          chain.addAll(own.get("*" + shorter));
        }
      }
      chain.addAll(catchAll);
      wildcards.get(indexOf(lengths, suffix.length())).put(suffix, List.copyOf(chain));
    }
    Map<String, List<Candidate<T>>> exact = new HashMap<>();
    for (Map.Entry<String, List<Candidate<T>>> e : own.entrySet()) {
      String host = e.getKey();
      if (host.startsWith("*")) {
        continue;
      }
      List<Candidate<T>> chain = new ArrayList<>(e.getValue());
      for (String suffix : suffixes) {
        if (host.length() > suffix.length() && host.endsWith(suffix)) {
          chain.addAll(own.get("*" + suffix));
        }
      }
      chain.addAll(catchAll);
      exact.put(host, List.copyOf(chain));
    }
    return new RouteTable<>(Map.copyOf(exact), lengths, List.copyOf(wildcards), catchAll, noRoute);
  }

  /** The T of the first match entry that takes the request, or the no-route value. */
  public T match(RequestView request) {
    List<Candidate<T>> candidates = candidates(Hosts.normalise(request.host()));
    for (int i = 0, n = candidates.size(); i < n; i++) {
      Candidate<T> c = candidates.get(i);
      if (c.matches(request)) {
        return c.value;
      }
    }
    return noRoute;
  }

  /** The host patterns with routes, for diagnostics: exact names, then wildcards, then {@code *}. */
  public Set<String> hosts() {
    Set<String> out = new TreeSet<>(exact.keySet());
    wildcards.forEach(w -> w.keySet().forEach(s -> out.add("*" + s)));
    if (!catchAll.isEmpty()) {
      out.add("*");
    }
    return out;
  }

  private List<Candidate<T>> candidates(String host) {
    if (host == null) {
      return catchAll;
    }
    List<Candidate<T>> hit = exact.get(host);
    if (hit != null) {
      return hit;
    }
    for (int i = 0; i < suffixLengths.length; i++) {
      int length = suffixLengths[i];
      if (host.length() > length) {
        hit = wildcards.get(i).get(host.substring(host.length() - length));
        if (hit != null) {
          return hit;
        }
      }
    }
    return catchAll;
  }

  private static int indexOf(int[] values, int value) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] == value) {
        return i;
      }
    }
    throw new IllegalStateException("length " + value + " missing");
  }
}
