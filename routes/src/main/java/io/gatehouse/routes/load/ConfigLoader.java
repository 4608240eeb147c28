package io.gatehouse.routes.load;

import java.nio.file.Path;
import java.util.List;

/** Reads native YAML config into a validated {@code GatewayConfig}, or located errors. */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** Loads and validates the given documents as one config. */
  public static LoadResult load(List<ConfigFile> files) {
    throw new UnsupportedOperationException("being written");
  }

  /** Loads every top-level *.yaml / *.yml file of {@code dir}, in name order. */
  public static LoadResult loadDirectory(Path dir) {
    throw new UnsupportedOperationException("being written");
  }
}
