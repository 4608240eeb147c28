package io.gatehouse.routes.auth;

import java.util.List;

/**
 * Where a JWT provider or an authorization policy applies: on the named listeners and routes; an
 * empty list means every one ({@link #EVERYWHERE}, the whole gateway, as an Istio resource that
 * selects the gateway). A policy scoped to routes does not see requests that no route takes.
 */
public record Attachment(List<String> listeners, List<String> routes) {
  public Attachment {
    listeners = List.copyOf(listeners);
    routes = List.copyOf(routes);
  }

  public static final Attachment EVERYWHERE = new Attachment(List.of(), List.of());

  /** Whether a request on {@code listener} taken by {@code route} ("" when none) is covered. */
  public boolean covers(String listener, String route) {
    return (listeners.isEmpty() || listeners.contains(listener)) && (routes.isEmpty() || routes.contains(route));
  }
}
