package io.gatehouse.routes.load;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Origin;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Refuses a config directory that would serve nothing. An empty YAML file is a valid config, so a
 * writer that truncates {@code gw.yaml} before writing it (most editors and {@code >} do) would
 * otherwise install "no listeners" for a moment and drop every connection. Serving no listeners on
 * purpose is said with an explicit {@code listeners: []} (or {@code run --allow-empty}).
 */
final class EmptyConfig {
  /** A top-level {@code listeners:} key in block style, the way configs are written. */
  private static final Pattern LISTENERS_KEY = Pattern.compile("(?m)^listeners[ \t]*:");

  private EmptyConfig() {}

  static LoadResult refuse(Path dir, List<ConfigFile> files, LoadResult result) {
    if (!(result instanceof LoadResult.Loaded loaded) || servesSomething(loaded.config())) {
      return result;
    }
    for (ConfigFile file : files) {
      if (LISTENERS_KEY.matcher(file.text()).find()) {
        return result;
      }
    }
    String where = files.isEmpty() ? dir.toString() : files.get(0).name();
    return new LoadResult.Rejected(List.of(new ConfigError(new Origin(where, files.isEmpty() ? 0 : 1),
        "the config has no listeners (an empty or truncated file?); it is refused and the previous config keeps"
            + " serving. To serve no listeners, write \"listeners: []\" or run with --allow-empty")));
  }

  private static boolean servesSomething(GatewayConfig config) {
    return !config.listeners().isEmpty() || !config.kubernetes().isEmpty() || !config.xds().isEmpty();
  }
}
