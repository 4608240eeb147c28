package io.gatehouse.routes;

import java.util.List;

/**
 * The whole native config as written: the merge of every file in the config directory.
 * Immutable and null-free; compiled into a snapshot by the gateway. Records compare by value,
 * so a reload can tell which upstreams are unchanged and keep their live clients.
 */
public record GatewayConfig(Admin admin, List<Listener> listeners, List<Upstream> upstreams,
                            List<Route> routes, Egress egress, Demo demo, List<Kubernetes> kubernetes) {
  public GatewayConfig {
    listeners = List.copyOf(listeners);
    upstreams = List.copyOf(upstreams);
    routes = List.copyOf(routes);
    kubernetes = List.copyOf(kubernetes);
  }

  /** A config without Kubernetes sources. */
  public GatewayConfig(Admin admin, List<Listener> listeners, List<Upstream> upstreams, List<Route> routes,
                       Egress egress, Demo demo) {
    this(admin, listeners, upstreams, routes, egress, demo, List.of());
  }

  /**
   * This config with its named objects replaced and everything else kept (admin, egress mode and
   * settings, demo, Kubernetes sources): the one way a merge rebuilds a config, so that a field
   * added to the model later cannot be dropped by one.
   */
  public GatewayConfig withObjects(List<Listener> listeners, List<Upstream> upstreams, List<Route> routes,
                                   List<EgressRule> allow) {
    return new GatewayConfig(admin, listeners, upstreams, routes, egress.withAllow(allow), demo, kubernetes);
  }

  /** An empty config: no listeners, nothing to route. */
  public static final GatewayConfig EMPTY =
      new GatewayConfig(Admin.DEFAULT, List.of(), List.of(), List.of(), Egress.DENY_ALL, Demo.NONE);
}
