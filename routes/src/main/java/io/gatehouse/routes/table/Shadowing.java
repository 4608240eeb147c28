package io.gatehouse.routes.table;

import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.StringMatch;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The routes that earlier routes make unreachable in a {@link RouteTable}. Within a host pattern's
 * routes the first match wins, and a request for that pattern never reaches a less specific one
 * before them; so a route is shadowed when, for each of its host patterns and match entries, an
 * earlier route with the same host pattern, on at least its listeners, takes every request
 * that entry can match. Exact, never a guess: an earlier condition (methods, a header, a query
 * parameter, a path) that the later entry does not imply means the later route is reachable.
 */
public final class Shadowing {
  /** Route {@code index} of the list is never used: {@code by} (indexes of earlier routes) take all it matches. */
  public record Shadowed(int index, List<Integer> by) {
    public Shadowed {
      by = List.copyOf(by);
    }
  }

  private Shadowing() {}

  /** Every shadowed route of {@code routes}, in order. */
  public static List<Shadowed> find(List<Route> routes) {
    List<Shadowed> out = new ArrayList<>();
    for (int later = 1; later < routes.size(); later++) {
      Route route = routes.get(later);
      Set<Integer> by = new LinkedHashSet<>();
      if (shadowed(routes, later, route, by)) {
        out.add(new Shadowed(later, List.copyOf(by)));
      }
    }
    return out;
  }

  private static boolean shadowed(List<Route> routes, int later, Route route, Set<Integer> by) {
    for (String host : hostPatterns(route)) {
      for (RequestMatch entry : entries(route)) {
        int earlier = firstCovering(routes, later, route.listeners(), host, entry);
        if (earlier < 0) {
          return false;
        }
        by.add(earlier);
      }
    }
    return true;
  }

  private static int firstCovering(List<Route> routes, int later, List<String> listeners, String host, RequestMatch entry) {
    for (int i = 0; i < later; i++) {
      Route before = routes.get(i);
      if (!hostPatterns(before).contains(host) || !servesOnAll(before, listeners)) {
        continue;
      }
      for (RequestMatch candidate : entries(before)) {
        if (covers(candidate, entry)) {
          return i;
        }
      }
    }
    return -1;
  }

  /** Whether {@code route} serves on every listener of {@code listeners} (empty: every listener). */
  private static boolean servesOnAll(Route route, List<String> listeners) {
    return route.listeners().isEmpty() || !listeners.isEmpty() && route.listeners().containsAll(listeners);
  }

  /** Every request {@code later} matches, {@code earlier} matches too. */
  static boolean covers(RequestMatch earlier, RequestMatch later) {
    return covers(earlier.path(), later.path())
        && (earlier.methods().isEmpty() || !later.methods().isEmpty() && earlier.methods().containsAll(later.methods()))
        && covers(earlier.headers(), later.headers())
        && covers(earlier.query(), later.query());
  }

  private static boolean covers(PathMatch earlier, PathMatch later) {
    if (earlier instanceof PathMatch.Prefix e) {
      if (later instanceof PathMatch.Prefix l) {
        return l.prefix().startsWith(e.prefix());
      }
      if (later instanceof PathMatch.Exact l) {
        return l.path().startsWith(e.prefix());
      }
      // Every path the regex takes starts with its literal prefix (RouteTable relies on it too).
      return Candidate.literalPrefix(((PathMatch.Regex) later).pattern()).startsWith(e.prefix());
    }
    if (earlier instanceof PathMatch.Exact e) {
      return later.equals(e);
    }
    PathMatch.Regex e = (PathMatch.Regex) earlier;
    return later.equals(e) || later instanceof PathMatch.Exact l && Pattern.compile(e.pattern()).matcher(l.path()).matches();
  }

  /** Each earlier condition holds for every value the later entry lets through. */
  private static boolean covers(Map<String, StringMatch> earlier, Map<String, StringMatch> later) {
    for (Map.Entry<String, StringMatch> e : earlier.entrySet()) {
      StringMatch l = later.get(e.getKey());
      if (l == null || !covers(e.getValue(), l)) {
        return false;
      }
    }
    return true;
  }

  private static boolean covers(StringMatch earlier, StringMatch later) {
    if (earlier instanceof StringMatch.Present) {
      return true; // the later entry requires the value, so it is there
    }
    if (earlier.equals(later)) {
      return true;
    }
    if (earlier instanceof StringMatch.Prefix e) {
      return later instanceof StringMatch.Prefix l && l.value().startsWith(e.value())
          || later instanceof StringMatch.Exact l2 && l2.value().startsWith(e.value());
    }
    if (earlier instanceof StringMatch.Regex e && later instanceof StringMatch.Exact l) {
      return Pattern.compile(e.pattern()).matcher(l.value()).matches();
    }
    return false;
  }

  private static Set<String> hostPatterns(Route route) {
    Set<String> out = new LinkedHashSet<>();
    route.hosts().forEach(h -> out.add(Hosts.normalise(h)));
    return out;
  }

  private static List<RequestMatch> entries(Route route) {
    return route.match().isEmpty() ? List.of(RequestMatch.ANY) : route.match();
  }
}
