package io.gatehouse.routes;

import io.gatehouse.routes.auth.JwtProvider;
import io.gatehouse.routes.auth.Security;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The whole native config as written: the merge of every file in the config directory.
 * Immutable and null-free; compiled into a snapshot by the gateway. Records compare by value,
 * so a reload can tell which upstreams are unchanged and keep their live clients.
 */
public record GatewayConfig(Admin admin, List<Listener> listeners, List<Upstream> upstreams,
                            List<Route> routes, Egress egress, Demo demo, List<Kubernetes> kubernetes,
                            Telemetry telemetry, Security security, MeshIdentity meshIdentity, List<Xds> xds) {
  public GatewayConfig {
    listeners = List.copyOf(listeners);
    upstreams = List.copyOf(upstreams);
    routes = List.copyOf(routes);
    kubernetes = List.copyOf(kubernetes);
    xds = List.copyOf(xds);
  }

  /**
   * This config with its named objects replaced and everything else kept (admin, egress mode and
   * settings, demo, Kubernetes and xDS sources, telemetry, mesh identity): the one way a merge rebuilds a config, so that a field
   * added to the model later cannot be dropped by one.
   */
  public GatewayConfig withObjects(List<Listener> listeners, List<Upstream> upstreams, List<Route> routes,
                                   List<EgressRule> allow) {
    return new GatewayConfig(admin, listeners, upstreams, routes, egress.withAllow(allow), demo, kubernetes, telemetry,
        security, meshIdentity, xds);
  }

  /** This config with {@code security} instead of its own, everything else kept. */
  public GatewayConfig withSecurity(Security security) {
    return new GatewayConfig(admin, listeners, upstreams, routes, egress, demo, kubernetes, telemetry, security,
        meshIdentity, xds);
  }

  /**
   * Every file this config names besides itself (listener, admin and upstream TLS material,
   * egress CA bundles, the admin token, JWKS files): what is watched for rotation. Empty names are left out.
   */
  public Set<String> files() {
    Set<String> files = new TreeSet<>();
    listeners.forEach(l -> addTls(files, l.tls()));
    addTls(files, admin.tls());
    admin.tokenFile().ifPresent(files::add);
    for (Upstream u : upstreams) {
      files.addAll(List.of(u.tls().caCert(), u.tls().clientCert(), u.tls().clientKey()));
    }
    egress.allow().forEach(rule -> files.add(rule.caCert()));
    security.authentication().forEach(p -> {
      if (p.jwks() instanceof JwtProvider.Jwks.File file) {
        files.add(file.path());
      } else if (p.jwks() instanceof JwtProvider.Jwks.Remote remote) {
        files.add(remote.caCert());
      }
    });
    files.remove("");
    return files;
  }

  private static void addTls(Set<String> files, ListenerTls tls) {
    tls.certificates().forEach(c -> {
      files.add(c.cert());
      files.add(c.key());
    });
    files.add(tls.clientCa());
  }

  /**
   * An empty config: no listeners, nothing to route, every other part its default. A config of a
   * few objects is this one {@link #withObjects with} them.
   */
  public static final GatewayConfig EMPTY = new GatewayConfig(Admin.DEFAULT, List.of(), List.of(), List.of(),
      Egress.DENY_ALL, Demo.NONE, List.of(), Telemetry.DEFAULT, Security.NONE, MeshIdentity.NONE, List.of());
}
