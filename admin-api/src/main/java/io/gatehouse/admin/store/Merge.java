package io.gatehouse.admin.store;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Origin;
import io.gatehouse.routes.load.CrossCheck;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges every source's last good fragment into one config. Objects are merged by kind and name:
 * the stronger source ({@link Precedence}) wins and the weaker one's object is left out; two
 * sources of the same rank defining one name is an error naming both. Lists keep source order
 * (strongest source first, then each source's own order). The admin block, the demo and
 * {@code egress.mode} come from the config directory. The store then checks the result whole.
 */
final class Merge {
  /** The merged config, which source each object came from ({@code routes/shop → admin}), and what is wrong with it. */
  record Merged(GatewayConfig config, Map<String, String> provenance, List<ConfigError> errors) {
    Merged {
      provenance = Map.copyOf(provenance);
      errors = List.copyOf(errors);
    }
  }

  private static final Comparator<String> ORDER = Comparator.comparingInt(Precedence::rank).thenComparing(s -> s);

  private Merge() {}

  static Merged of(Map<String, GatewayConfig> fragments) {
    List<String> sources = fragments.keySet().stream().sorted(ORDER).toList();
    GatewayConfig base = sources.stream().filter(s -> Precedence.rank(s) == 1).findFirst().map(fragments::get)
        .orElse(GatewayConfig.EMPTY);
    GatewayConfig merged = base;
    Map<String, String> provenance = new LinkedHashMap<>();
    List<ConfigError> errors = new ArrayList<>();
    for (ObjectKind kind : ObjectKind.values()) {
      Map<String, String> owners = new HashMap<>();
      Set<String> reported = new HashSet<>();
      List<Object> objects = new ArrayList<>();
      for (String source : sources) {
        for (Object object : kind.list(fragments.get(source))) {
          String name = kind.name(object);
          String owner = owners.putIfAbsent(name, source);
          if (owner == null || owner.equals(source)) {
            objects.add(object);
            provenance.put(kind.key(name), source);
          } else if (Precedence.rank(owner) == Precedence.rank(source) && reported.add(name)) {
            errors.add(new ConfigError(origin(source, kind.key(name)), kind.key(name) + " is defined by both " + owner
                + " and " + source + ", sources of the same precedence (rename or remove it in one of them)"));
          }
        }
      }
      merged = kind.with(merged, objects);
    }
    return new Merged(merged, provenance, errors);
  }

  /** The checks only the whole config can pass, located by where each object came from. */
  static List<ConfigError> check(GatewayConfig config, Map<String, String> provenance) {
    return CrossCheck.check(config, (kind, name) -> origin(provenance.getOrDefault(kind + "/" + name, OVERLAY), kind + "/" + name));
  }

  /** What provenance says of objects that an overlay added to the merge rather than a source. */
  static final String OVERLAY = "overlay";

  /** Where a merged object came from: {@code admin:routes/shop}, {@code file:/etc/gatehouse:routes/shop}. */
  static Origin origin(String source, String key) {
    return new Origin(source + ":" + key, 0);
  }
}
