package io.gatehouse.gateway;

import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import java.util.ArrayList;
import java.util.List;

/**
 * What valid config this build cannot serve yet, said plainly rather than half-served. Checked by
 * {@code validate} and before every install.
 */
final class Capabilities {
  private Capabilities() {}

  static List<String> unsupported(GatewayConfig config) {
    List<String> problems = new ArrayList<>();
    for (Listener listener : config.listeners()) {
      if (listener.protocol() != Listener.Protocol.HTTP && listener.protocol() != Listener.Protocol.HTTPS) {
        problems.add("listener " + listener.name() + ": protocol " + listener.protocol()
            + " is not supported by this build (supported: HTTP, HTTPS)");
      }
    }
    return problems;
  }
}
