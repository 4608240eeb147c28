package io.gatehouse.admin.store;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Origin;
import io.gatehouse.routes.load.ConfigFile;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Changes to the admin fragment, as {@link ConfigStore#edit} takes them. A pushed object is read
 * by the same loader as files (JSON is YAML), so it gets the same checks and located errors; the
 * origin is {@code admin:KIND/NAME} and the line is the line of the pushed document.
 */
public final class AdminPush {
  /** The name a validated or pushed whole document goes by in errors: {@code admin:document:LINE}. */
  public static final String DOCUMENT = "admin:document";

  private AdminPush() {}

  /** Adds or replaces the object {@code kind/name} with {@code document}, one JSON or YAML object. */
  public static Function<GatewayConfig, LoadResult> put(ObjectKind kind, String name, String document, Path baseDir) {
    return fragment -> {
      String origin = "admin:" + kind.key(name);
      LoadResult read = ConfigLoader.loadFragment(List.of(new ConfigFile(origin, wrap(kind, document), baseDir)));
      if (read instanceof LoadResult.Rejected) {
        return read;
      }
      GatewayConfig loaded = ((LoadResult.Loaded) read).config();
      List<?> objects = kind.list(loaded);
      if (objects.size() != 1 || !kind.name(objects.get(0)).equals(name)) {
        return rejected(origin, "expected one object named " + name + " (the name in the path)");
      }
      return new LoadResult.Loaded(replace(fragment, kind, name, objects.get(0)));
    };
  }

  /** Removes the admin-pushed object {@code kind/name}. */
  public static Function<GatewayConfig, LoadResult> delete(ObjectKind kind, String name) {
    return fragment -> {
      if (kind.find(fragment, name) == null) {
        return rejected("admin:" + kind.key(name), kind.key(name) + " was not pushed through the admin API");
      }
      return new LoadResult.Loaded(replace(fragment, kind, name, null));
    };
  }

  /**
   * Pushes every listener, upstream, route and egress allow entry of {@code document} (a native
   * config document, as a file would hold) over the admin fragment.
   */
  public static Function<GatewayConfig, LoadResult> document(String document, Path baseDir) {
    return fragment -> {
      LoadResult read = ConfigLoader.loadFragment(List.of(new ConfigFile(DOCUMENT, document, baseDir)));
      if (read instanceof LoadResult.Rejected) {
        return read;
      }
      GatewayConfig loaded = ((LoadResult.Loaded) read).config();
      GatewayConfig next = fragment;
      for (ObjectKind kind : ObjectKind.values()) {
        for (Object object : kind.list(loaded)) {
          next = replace(next, kind, kind.name(object), object);
        }
      }
      return new LoadResult.Loaded(next);
    };
  }

  /**
   * The document as the loader reads it: wrapped in its list on the same first line, so line N of
   * the pushed document is line N in errors.
   */
  static String wrap(ObjectKind kind, String document) {
    return switch (kind) {
      case EGRESS_ALLOW -> "{\"egress\": {\"allow\": [" + document + "\n]}}";
      default -> "{\"" + kind.path() + "\": [" + document + "\n]}";
    };
  }

  /** {@code fragment} with {@code kind/name} replaced in place (or appended), or removed when {@code object} is null. */
  private static GatewayConfig replace(GatewayConfig fragment, ObjectKind kind, String name, Object object) {
    List<Object> objects = new ArrayList<>();
    boolean placed = false;
    for (Object o : kind.list(fragment)) {
      if (!kind.name(o).equals(name)) {
        objects.add(o);
      } else if (object != null && !placed) {
        objects.add(object);
        placed = true;
      }
    }
    if (object != null && !placed) {
      objects.add(object);
    }
    return kind.with(fragment, objects);
  }

  private static LoadResult rejected(String origin, String message) {
    return new LoadResult.Rejected(List.of(new ConfigError(new Origin(origin, 0), message)));
  }
}
