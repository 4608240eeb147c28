package io.gatehouse.certs;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Picks the value for an SNI name: exact host first, then a {@code *.} wildcard covering exactly
 * one label, then the default. Among entries claiming the same host the first declared wins.
 *
 * @param <T> what a host selects
 */
final class SniSelector<T> {
  private final Map<String, T> exact = new HashMap<>();
  private final Map<String, T> wildcardBySuffix = new HashMap<>(); // "*.example.com" is kept as ".example.com"
  private final T fallback;

  /** {@code hostsOf} returns normalized names (lowercase, no trailing dot). */
  SniSelector(List<T> entries, Function<T, List<String>> hostsOf, T fallback) {
    for (T entry : entries) {
      for (String host : hostsOf.apply(entry)) {
        if (host.startsWith("*.")) {
          wildcardBySuffix.putIfAbsent(host.substring(1), entry);
        } else {
          exact.putIfAbsent(host, entry);
        }
      }
    }
    this.fallback = fallback;
  }

  /** The entry for {@code serverName} (any case, trailing dot allowed); the default when none claims it. */
  T select(String serverName) {
    if (serverName == null || serverName.isEmpty()) {
      return fallback;
    }
    String name = ServingCertificate.normalize(serverName);
    T found = exact.get(name);
    if (found != null) {
      return found;
    }
    int firstDot = name.indexOf('.');
    if (firstDot > 0) { // only the first label may be covered by the wildcard
      found = wildcardBySuffix.get(name.substring(firstDot));
    }
    return found != null ? found : fallback;
  }
}
