package io.gatehouse.routes.load;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import java.util.List;

/** The outcome of loading config: a whole valid config, or every error found (never both). */
public sealed interface LoadResult {
  /**
   * A valid config; {@code warnings} name what was read but is not served (fields of Istio and
   * Gateway API resources this build does not support yet), each located.
   */
  record Loaded(GatewayConfig config, List<ConfigError> warnings) implements LoadResult {
    public Loaded {
      warnings = List.copyOf(warnings);
    }

    public Loaded(GatewayConfig config) {
      this(config, List.of());
    }
  }

  record Rejected(List<ConfigError> errors) implements LoadResult {
    public Rejected {
      errors = List.copyOf(errors);
    }
  }
}
