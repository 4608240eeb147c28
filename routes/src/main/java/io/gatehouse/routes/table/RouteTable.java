package io.gatehouse.routes.table;

import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Route;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * Routes compiled for lookup, laid out like Envoy's RouteMatcher: exact hosts in a hash map,
 * wildcard suffixes grouped by length (longest first), then the catch-all {@code *}. Each host
 * bucket holds, precomputed, its own routes' match entries in declared order followed by those of
 * every less specific bucket that also takes the host, so a lookup is one or a few hash probes
 * and a linear scan; the first entry that matches wins. A lookup allocates nothing but what a
 * regex needs. Generic so this module never sees gateway types.
 */
public final class RouteTable<T> {
  private final HostIndex<Candidate<T>[]> exact;
  private final int[] suffixLengths;
  private final List<HostIndex<Candidate<T>[]>> wildcards;
  private final Candidate<T>[] catchAll;
  private final T noRoute;
  private final SortedSet<String> hosts;

  private RouteTable(HostIndex<Candidate<T>[]> exact, int[] suffixLengths, List<HostIndex<Candidate<T>[]>> wildcards,
                     Candidate<T>[] catchAll, T noRoute, SortedSet<String> hosts) {
    this.exact = exact;
    this.suffixLengths = suffixLengths;
    this.wildcards = wildcards;
    this.catchAll = catchAll;
    this.noRoute = noRoute;
    this.hosts = hosts;
  }

  /**
   * Compiles {@code routes}; {@code build} turns each route's match entry into a T, and
   * {@code noRoute} is what {@link #match} answers when nothing matches. A route with no match
   * entries takes every request for its hosts.
   */
  public static <T> RouteTable<T> compile(List<Route> routes, BiFunction<Route, RequestMatch, T> build, T noRoute) {
    Map<String, List<Candidate<T>>> own = ownEntries(routes, build);
    Candidate<T>[] catchAll = chain(List.of(own.getOrDefault("*", List.of())));
    // Wildcard suffixes (".example.com" for "*.example.com"), longest first.
    TreeSet<String> suffixes = new TreeSet<>((a, b) -> a.length() != b.length() ? b.length() - a.length() : a.compareTo(b));
    own.keySet().stream().filter(h -> h.startsWith("*.")).map(h -> h.substring(1)).forEach(suffixes::add);
    int[] lengths = suffixes.stream().mapToInt(String::length).distinct().toArray();

    List<Map<String, Candidate<T>[]>> byLength = new ArrayList<>();
    for (int ignored : lengths) {
      byLength.add(new HashMap<>());
    }
    Map<String, Candidate<T>[]> exact = new HashMap<>();
    for (Map.Entry<String, List<Candidate<T>>> e : own.entrySet()) {
      String host = e.getKey();
      if (host.equals("*")) {
        continue;
      }
      // A wildcard's own suffix is a (shorter) key; an exact host is longer than every suffix it falls through to.
      String key = host.startsWith("*.") ? host.substring(1) : host;
      List<List<Candidate<T>>> parts = new ArrayList<>();
      parts.add(e.getValue());
      for (String suffix : suffixes) {
        if (key.length() > suffix.length() && key.endsWith(suffix)) {
          parts.add(own.get("*" + suffix));
        }
      }
      parts.add(own.getOrDefault("*", List.of()));
      if (host.startsWith("*.")) {
        byLength.get(indexOf(lengths, key.length())).put(key, chain(parts));
      } else {
        exact.put(host, chain(parts));
      }
    }
    List<HostIndex<Candidate<T>[]>> wildcards = byLength.stream().map(HostIndex::new).toList();
    return new RouteTable<>(new HostIndex<>(exact), lengths, wildcards, catchAll, noRoute,
        Collections.unmodifiableSortedSet(new TreeSet<>(own.keySet())));
  }

  /** The T of the first match entry that takes the request, or the no-route value. */
  public T match(RequestView request) {
    for (Candidate<T> c : candidates(request.host())) {
      if (c.matches(request)) {
        return c.value;
      }
    }
    return noRoute;
  }

  /** The host patterns that have routes, sorted, for diagnostics. */
  public Set<String> hosts() {
    return hosts;
  }

  private Candidate<T>[] candidates(String host) {
    if (host == null) {
      return catchAll;
    }
    int end = Hosts.end(host);
    Candidate<T>[] hit = exact.get(host, 0, end);
    if (hit != null) {
      return hit;
    }
    for (int i = 0; i < suffixLengths.length; i++) {
      // At least one character before the suffix: "*.example.com" does not take "example.com".
      int from = end - suffixLengths[i];
      if (from >= 1) {
        hit = wildcards.get(i).get(host, from, end);
        if (hit != null) {
          return hit;
        }
      }
    }
    return catchAll;
  }

  /** Each host pattern's own compiled entries, in declared order. */
  private static <T> Map<String, List<Candidate<T>>> ownEntries(List<Route> routes, BiFunction<Route, RequestMatch, T> build) {
    Map<String, List<Candidate<T>>> own = new LinkedHashMap<>();
    for (Route route : routes) {
      List<RequestMatch> entries = route.match().isEmpty() ? List.of(RequestMatch.ANY) : route.match();
      List<Candidate<T>> compiled = new ArrayList<>();
      for (RequestMatch m : entries) {
        compiled.add(new Candidate<>(m, build.apply(route, m)));
      }
      Set<String> patterns = new LinkedHashSet<>();
      route.hosts().forEach(h -> patterns.add(Hosts.normalise(h)));
      for (String host : patterns) {
        own.computeIfAbsent(host, h -> new ArrayList<>()).addAll(compiled);
      }
    }
    return own;
  }

  /** The parts concatenated, each entry once (a route listing both a name and "*" is in two parts). */
  @SuppressWarnings("unchecked")
  private static <T> Candidate<T>[] chain(List<List<Candidate<T>>> parts) {
    Set<Candidate<T>> out = new LinkedHashSet<>();
    parts.forEach(out::addAll);
    return out.toArray(new Candidate[0]);
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
