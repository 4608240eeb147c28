package io.gatehouse.routes.load;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import java.util.List;

/** The outcome of loading config: a whole valid config, or every error found (never both). */
public sealed interface LoadResult {
  record Loaded(GatewayConfig config) implements LoadResult {}

  record Rejected(List<ConfigError> errors) implements LoadResult {
    public Rejected {
      errors = List.copyOf(errors);
    }
  }
}
