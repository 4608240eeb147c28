package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.load.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Kubernetes Gateway API {@code Gateway}s of this gateway's class become listeners: HTTP, HTTPS
 * terminating with certificates from Secrets, TLS with mode Passthrough, TLS with mode Terminate
 * (a TCP listener behind TLS, certificates from Secrets) and TCP ({@link HttpRoutes},
 * {@link TlsRoutes} and {@link TcpRoutes} attach routes to them).
 */
final class GatewayApi {
  /** One listener of one of this gateway's Gateways, for route attachment. */
  record GatewayListener(String gateway, String name, int port, String hostname, boolean allNamespaces,
                                 String namespace, Listener.Protocol protocol, boolean terminatesTls) {}

  private static final Set<String> GATEWAY_KEYS = Set.of("gatewayClassName", "listeners");
  private static final Set<String> LISTENER_KEYS = Set.of("name", "hostname", "port", "protocol", "tls", "allowedRoutes");

  private final Catalog catalog;
  private final List<GatewayListener> listeners = new ArrayList<>();

  GatewayApi(Catalog catalog) {
    this.catalog = catalog;
  }

  void gateways(SecretStore secrets, ListenerPlan plan, Report report) {
    for (MeshResource r : catalog.of(Kinds.GATEWAY)) {
      Tree spec = r.spec();
      if (!spec.text("gatewayClassName").equals(catalog.settings.gatewayClassName())) {
        continue;
      }
      report.run(r, scope -> {
        scope.unknownKeys(spec, GATEWAY_KEYS);
        List<ListenerPlan.Server> servers = new ArrayList<>();
        List<GatewayListener> mine = new ArrayList<>();
        ListenerPlan own = new ListenerPlan(catalog.settings);
        for (Tree l : spec.get("listeners").items()) {
          listener(scope, l, secrets).ifPresent(s -> {
            if (own.check(scope, l.get("port"), s) && plan.check(scope, l.get("port"), s)) {
              own.add(r.id(), s);
              servers.add(s);
              Tree from = l.get("allowedRoutes").get("namespaces").get("from");
              if (from.text().equals("Selector")) {
                scope.warn(from, "Selector is not supported by this build yet; routes from the Gateway's namespace only");
              }
              mine.add(new GatewayListener(r.namespace() + "/" + r.name(), l.text("name"), l.integer("port", 0),
                  l.text("hostname").toLowerCase(Locale.ROOT), from.text().equals("All"), r.namespace(), s.protocol(),
                  s.protocol() == Listener.Protocol.TCP && s.terminatesTls()));
            }
          });
        }
        if (!scope.failed()) {
          servers.forEach(s -> plan.add(r.id(), s));
        }
        listeners.addAll(mine);
      });
    }
  }

  private Optional<ListenerPlan.Server> listener(Scope scope, Tree l, SecretStore secrets) {
    scope.unknownKeys(l, LISTENER_KEYS);
    int port = l.integer("port", 0);
    if (port < 1 || port > 65535) {
      scope.error(l.get("port"), "expected a port 1..65535");
      return Optional.empty();
    }
    String hostname = l.text("hostname");
    if (!hostname.isEmpty() && Values.hostPattern(hostname).isEmpty()) {
      scope.error(l.get("hostname"), "\"" + hostname + "\" is not a host name");
      return Optional.empty();
    }
    String protocol = l.text("protocol");
    switch (protocol) {
      case "HTTP" -> {
        return Optional.of(new ListenerPlan.Server(port, Listener.Protocol.HTTP, List.of(), ListenerTls.ClientAuth.NONE,
            "", "TLSv1.2"));
      }
      case "HTTPS" -> {
        return https(scope, l, port, hostname.isEmpty() ? "*" : hostname.toLowerCase(Locale.ROOT), secrets);
      }
      case "TLS" -> {
        Tree tls = l.get("tls");
        scope.unknownKeys(tls, Set.of("mode", "certificateRefs"));
        String mode = tls.text("mode").isEmpty() ? "Terminate" : tls.text("mode");
        if (mode.equals("Passthrough")) {
          return Optional.of(new ListenerPlan.Server(port, Listener.Protocol.TLS_PASSTHROUGH, List.of(),
              ListenerTls.ClientAuth.NONE, "", "TLSv1.2"));
        }
        if (!mode.equals("Terminate")) {
          scope.error(tls.get("mode"), "\"" + mode + "\" is not a TLS mode (expected Terminate, Passthrough)");
          return Optional.empty();
        }
        // Terminate: TLS ends here with the certificateRefs, and TLSRoutes forward the bytes inside.
        return https(scope, l, port, hostname.isEmpty() ? "*" : hostname.toLowerCase(Locale.ROOT), secrets)
            .map(ListenerPlan.Server::asTcp);
      }
      case "TCP" -> {
        return Optional.of(new ListenerPlan.Server(port, Listener.Protocol.TCP, List.of(), ListenerTls.ClientAuth.NONE,
            "", "TLSv1.2"));
      }
      case "UDP" -> {
        scope.warn(l.get("protocol"), protocol + " listeners are not supported by this build yet; listener "
            + l.text("name") + " ignored");
        return Optional.empty();
      }
      default -> {
        scope.error(l.get("protocol"), "\"" + protocol + "\" is not a listener protocol (expected HTTP, HTTPS, TLS, TCP)");
        return Optional.empty();
      }
    }
  }

  private Optional<ListenerPlan.Server> https(Scope scope, Tree l, int port, String host, SecretStore secrets) {
    Tree tls = l.get("tls");
    scope.unknownKeys(tls, Set.of("mode", "certificateRefs"));
    if (tls.text("mode").equals("Passthrough")) {
      scope.error(tls.get("mode"), "Passthrough needs protocol TLS (HTTPS listeners terminate TLS)");
      return Optional.empty();
    }
    List<ListenerTls.CertificateRef> certs = new ArrayList<>();
    String ns = scope.resource().namespace();
    for (Tree ref : tls.get("certificateRefs").items()) {
      String kind = ref.text("kind").isEmpty() ? "Secret" : ref.text("kind");
      if (!kind.equals("Secret") || !ref.text("group").isEmpty()) {
        scope.missing(ref, "only core Secrets can hold certificates (found " + kind + ")");
        continue;
      }
      String refNs = ref.text("namespace").isEmpty() ? ns : ref.text("namespace");
      if (!refNs.equals(ns) && !granted(ns, "Gateway", refNs, "Secret", ref.text("name"))) {
        scope.missing(ref, "Secret " + refNs + "/" + ref.text("name") + " is in another namespace and no ReferenceGrant allows it");
        continue;
      }
      Secrets.resolve(scope, ref.get("name"), catalog, secrets, refNs, ref.text("name"))
          .ifPresent(f -> certs.add(new ListenerTls.CertificateRef(List.of(host), f.cert(), f.key())));
    }
    if (tls.get("certificateRefs").items().isEmpty()) {
      scope.error(tls, (l.text("protocol").equals("HTTPS") ? "an HTTPS listener" : "a TLS listener with mode Terminate")
          + " needs certificateRefs");
    }
    if (certs.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new ListenerPlan.Server(port, Listener.Protocol.HTTPS, certs, ListenerTls.ClientAuth.NONE, "", "TLSv1.2"));
  }

  /** Whether a ReferenceGrant in {@code toNs} lets {@code fromKind}s of {@code fromNs} refer to {@code toKind} {@code name}. */
  boolean granted(String fromNs, String fromKind, String toNs, String toKind, String name) {
    for (MeshResource g : catalog.of(Kinds.REFERENCE_GRANT)) {
      if (!g.namespace().equals(toNs)) {
        continue;
      }
      boolean from = g.spec().get("from").itemsOrEmpty().stream()
          .anyMatch(f -> f.text("kind").equals(fromKind) && f.text("namespace").equals(fromNs));
      boolean to = g.spec().get("to").itemsOrEmpty().stream()
          .anyMatch(t -> t.text("kind").equals(toKind) && (t.text("name").isEmpty() || t.text("name").equals(name)));
      if (from && to) {
        return true;
      }
    }
    return false;
  }

  /** The listeners of this gateway's Gateways, for route attachment. */
  List<GatewayListener> listeners() {
    return listeners;
  }
}
