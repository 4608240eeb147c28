package io.gatehouse.admin.store;

import io.gatehouse.routes.EgressRule;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.auth.AuthorizationPolicy;
import io.gatehouse.routes.auth.ExtAuthz;
import io.gatehouse.routes.auth.JwtProvider;
import java.util.List;

/**
 * The named objects a config is merged by, and the admin API's path for each ({@code /routes/NAME},
 * {@code /egress/allow/NAME}). Two sources that define an object of the same kind and name are
 * resolved by source precedence.
 */
public enum ObjectKind {
  LISTENERS("listeners"),
  UPSTREAMS("upstreams"),
  ROUTES("routes"),
  EGRESS_ALLOW("egress/allow"),
  AUTHENTICATION("authentication"),
  AUTHORIZATION("authorization"),
  EXT_AUTHZ("extAuthz");

  private final String path;

  ObjectKind(String path) {
    this.path = path;
  }

  /** The admin API path segment, also how errors and provenance name the kind: {@code routes/shop}. */
  public String path() {
    return path;
  }

  /** The objects of this kind in {@code config}, in order. */
  public List<?> list(GatewayConfig config) {
    return switch (this) {
      case LISTENERS -> config.listeners();
      case UPSTREAMS -> config.upstreams();
      case ROUTES -> config.routes();
      case EGRESS_ALLOW -> config.egress().allow();
      case AUTHENTICATION -> config.security().authentication();
      case AUTHORIZATION -> config.security().authorization();
      case EXT_AUTHZ -> config.security().extAuthz();
    };
  }

  /** The name of one object of this kind. */
  public String name(Object object) {
    return switch (this) {
      case LISTENERS -> ((Listener) object).name();
      case UPSTREAMS -> ((Upstream) object).name();
      case ROUTES -> ((Route) object).name();
      case EGRESS_ALLOW -> ((EgressRule) object).name();
      case AUTHENTICATION -> ((JwtProvider) object).name();
      case AUTHORIZATION -> ((AuthorizationPolicy) object).name();
      case EXT_AUTHZ -> ((ExtAuthz) object).name();
    };
  }

  /** {@code config} with this kind's objects replaced by {@code objects}; everything else is kept. */
  @SuppressWarnings("unchecked")
  public GatewayConfig with(GatewayConfig config, List<?> objects) {
    return switch (this) {
      case LISTENERS -> rebuild(config, (List<Listener>) objects, config.upstreams(), config.routes(), config.egress().allow());
      case UPSTREAMS -> rebuild(config, config.listeners(), (List<Upstream>) objects, config.routes(), config.egress().allow());
      case ROUTES -> rebuild(config, config.listeners(), config.upstreams(), (List<Route>) objects, config.egress().allow());
      case EGRESS_ALLOW -> rebuild(config, config.listeners(), config.upstreams(), config.routes(), (List<EgressRule>) objects);
      case AUTHENTICATION -> config.withSecurity(config.security().withAuthentication((List<JwtProvider>) objects));
      case AUTHORIZATION -> config.withSecurity(config.security().withAuthorization((List<AuthorizationPolicy>) objects));
      case EXT_AUTHZ -> config.withSecurity(config.security().withExtAuthz((List<ExtAuthz>) objects));
    };
  }

  /** The one place a config is rebuilt from another: every part that is not a named object comes from {@code base}. */
  private static GatewayConfig rebuild(GatewayConfig base, List<Listener> listeners, List<Upstream> upstreams,
                                       List<Route> routes, List<EgressRule> allow) {
    return base.withObjects(listeners, upstreams, routes, allow);
  }

  /** The object of this kind named {@code name} in {@code config}, or null. */
  public Object find(GatewayConfig config, String name) {
    for (Object o : list(config)) {
      if (name(o).equals(name)) {
        return o;
      }
    }
    return null;
  }

  /** {@code kind/name}, as provenance and error origins name an object. */
  public String key(String name) {
    return path + "/" + name;
  }
}
