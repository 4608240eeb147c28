package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.load.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Istio {@code Gateway}s that select this gateway (by its labels) become listeners: HTTP, HTTP2
 * and GRPC servers an HTTP listener (redirecting to HTTPS with {@code tls.httpsRedirect}), HTTPS
 * servers with SIMPLE or MUTUAL TLS an HTTPS listener whose certificates come from
 * {@code credentialName} Secrets, HTTPS and TLS servers with PASSTHROUGH a TLS_PASSTHROUGH listener,
 * TLS servers with SIMPLE or MUTUAL a TCP listener behind TLS (certificates as HTTPS; the
 * VirtualService's {@code tcp} routes forward the bytes inside), TCP servers a TCP listener. The hosts of each selected
 * Gateway are kept for binding VirtualServices.
 */
final class IstioGateways {
  /**
   * A server host as written, {@code [namespace/]host}: which VirtualService namespaces it admits,
   * and the host; {@code listener} is the listener its server became ({@code mesh-<port>}, of
   * {@code protocol}), empty when the server was left out.
   */
  record ServerHost(String namespace, String host, String listener, Listener.Protocol protocol) {
    ServerHost on(ListenerPlan.Server server) {
      return new ServerHost(namespace, host, ListenerPlan.name(server.port()), server.protocol());
    }
  }

  private static final Set<String> SERVER_KEYS = Set.of("port", "hosts", "tls", "name", "bind", "defaultEndpoint");
  private static final Set<String> TLS_KEYS = Set.of("mode", "credentialName", "httpsRedirect", "serverCertificate",
      "privateKey", "caCertificates", "minProtocolVersion", "cipherSuites");

  private final Map<String, List<ServerHost>> selected = new LinkedHashMap<>();

  /** Selected Gateways by {@code namespace/name}, with their server hosts. */
  Map<String, List<ServerHost>> selected() {
    return selected;
  }

  void translate(Catalog catalog, SecretStore secrets, ListenerPlan plan, Report report) {
    for (MeshResource r : catalog.of(Kinds.ISTIO_GATEWAY)) {
      Tree spec = r.spec();
      if (!catalog.settings.selects(spec.map("selector"))) {
        continue;
      }
      report.run(r, scope -> {
        scope.unknownKeys(spec, Set.of("selector", "servers"));
        List<ServerHost> hosts = new ArrayList<>();
        Map<Tree, ListenerPlan.Server> candidates = new LinkedHashMap<>();
        Map<Tree, List<ServerHost>> hostsOf = new LinkedHashMap<>();
        for (Tree server : spec.get("servers").items()) {
          List<ServerHost> own = new ArrayList<>();
          server(scope, server, catalog, secrets, own).ifPresent(s -> candidates.put(server, s));
          hostsOf.put(server, own);
        }
        int httpsPort = httpsPort(candidates.values());
        List<ListenerPlan.Server> servers = new ArrayList<>();
        ListenerPlan own = new ListenerPlan(catalog.settings);
        candidates.forEach((server, candidate) -> {
          ListenerPlan.Server s = candidate.httpsRedirect().enabled()
              ? candidate.withHttpsRedirect(new Listener.HttpsRedirect(httpsPort, 301)) : candidate;
          if (own.check(scope, server.get("port"), s) && plan.check(scope, server.get("port"), s)) {
            own.add(r.id(), s);
            servers.add(s);
            hostsOf.put(server, hostsOf.get(server).stream().map(h -> h.on(s)).toList());
          }
        });
        hostsOf.values().forEach(hosts::addAll);
        if (!scope.failed()) {
          servers.forEach(s -> plan.add(r.id(), s));
        }
        // VirtualServices still bind to a Gateway left out for an error, so their own problems are reported too.
        selected.put(r.namespace() + "/" + r.name(), hosts);
      });
    }
  }

  /**
   * Where {@code tls.httpsRedirect} sends clients: 443 when the Gateway has no TLS server or one
   * on 443, else its lowest TLS server port (the Gateway's port, as clients see it).
   */
  private static int httpsPort(java.util.Collection<ListenerPlan.Server> servers) {
    List<Integer> tlsPorts = servers.stream()
        .filter(s -> s.protocol() == Listener.Protocol.HTTPS || s.protocol() == Listener.Protocol.TLS_PASSTHROUGH
            || s.terminatesTls())
        .map(ListenerPlan.Server::port).sorted().toList();
    return tlsPorts.isEmpty() || tlsPorts.contains(443) ? 443 : tlsPorts.get(0);
  }

  private Optional<ListenerPlan.Server> server(Scope scope, Tree server, Catalog catalog, SecretStore secrets,
                                               List<ServerHost> hosts) {
    scope.unknownKeys(server, SERVER_KEYS);
    for (String key : List.of("bind", "defaultEndpoint")) {
      if (server.has(key)) {
        scope.notYet(server.get(key));
      }
    }
    Tree port = server.get("port");
    scope.unknownKeys(port, Set.of("number", "protocol", "name", "targetPort"));
    if (port.has("targetPort")) {
      scope.notYet(port.get("targetPort"));
    }
    int number = port.integer("number", 0);
    if (number < 1 || number > 65535) {
      scope.error(port.get("number"), "expected a port 1..65535");
      return Optional.empty();
    }
    List<String> serverHosts = new ArrayList<>();
    for (Tree h : server.get("hosts").items()) {
      String text = h.text();
      int slash = text.indexOf('/');
      String ns = slash < 0 ? "*" : text.substring(0, slash);
      String host = slash < 0 ? text : text.substring(slash + 1);
      Optional<String> pattern = Values.hostPattern(host);
      if (pattern.isEmpty()) {
        scope.error(h, "\"" + text + "\" is not a host (expected [namespace/]host, *.domain or *)");
        continue;
      }
      serverHosts.add(pattern.get());
      hosts.add(new ServerHost(ns.equals(".") ? scope.resource().namespace() : ns, pattern.get(), "", Listener.Protocol.HTTP));
    }
    if (serverHosts.isEmpty()) {
      scope.error(server.get("hosts"), "at least one host is required");
    }
    String protocol = port.text("protocol").toUpperCase(java.util.Locale.ROOT);
    Tree tls = server.get("tls");
    scope.unknownKeys(tls, TLS_KEYS);
    return switch (protocol) {
      case "HTTP", "HTTP2", "GRPC" -> {
        ListenerPlan.Server plain = new ListenerPlan.Server(number, Listener.Protocol.HTTP, List.of(),
            ListenerTls.ClientAuth.NONE, "", "TLSv1.2");
        yield Optional.of(tls.get("httpsRedirect").node().asBoolean(false)
            ? plain.withHttpsRedirect(new Listener.HttpsRedirect(443, 301)) : plain);
      }
      case "HTTPS" -> https(scope, tls, number, serverHosts, catalog, secrets);
      case "TLS" -> {
        if (tls.text("mode").equals("PASSTHROUGH")) {
          yield Optional.of(passthrough(number));
        }
        // SIMPLE or MUTUAL: TLS ends here and the VirtualService's tcp routes forward the bytes inside.
        yield https(scope, tls, number, serverHosts, catalog, secrets).map(ListenerPlan.Server::asTcp);
      }
      case "TCP" -> Optional.of(new ListenerPlan.Server(number, Listener.Protocol.TCP, List.of(),
          ListenerTls.ClientAuth.NONE, "", "TLSv1.2"));
      case "MONGO", "REDIS", "MYSQL" -> {
        scope.warn(port.get("protocol"), protocol + " servers are not supported by this build yet; server on port "
            + number + " ignored");
        yield Optional.empty();
      }
      default -> {
        scope.error(port.get("protocol"), "\"" + port.text("protocol") + "\" is not a server protocol"
            + " (expected HTTP, HTTP2, GRPC, HTTPS, TLS, TCP)");
        yield Optional.empty();
      }
    };
  }

  /** {@code tls.mode: PASSTHROUGH}: a TLS_PASSTHROUGH listener, routed by SNI to VirtualService {@code tls} routes. */
  private static ListenerPlan.Server passthrough(int port) {
    return new ListenerPlan.Server(port, Listener.Protocol.TLS_PASSTHROUGH, List.of(), ListenerTls.ClientAuth.NONE,
        "", "TLSv1.2");
  }

  private Optional<ListenerPlan.Server> https(Scope scope, Tree tls, int port, List<String> hosts, Catalog catalog,
                                              SecretStore secrets) {
    String mode = tls.text("mode").isEmpty() ? "SIMPLE" : tls.text("mode");
    if (mode.equals("PASSTHROUGH")) {
      return Optional.of(passthrough(port));
    }
    if (mode.equals("AUTO_PASSTHROUGH") || mode.equals("ISTIO_MUTUAL")
        || mode.equals("OPTIONAL_MUTUAL")) {
      scope.warn(tls.get("mode"), mode + " is not supported by this build yet; server on port " + port + " ignored");
      return Optional.empty();
    }
    if (!mode.equals("SIMPLE") && !mode.equals("MUTUAL")) {
      scope.error(tls.get("mode"), "\"" + mode + "\" is not a TLS mode (expected SIMPLE, MUTUAL, PASSTHROUGH)");
      return Optional.empty();
    }
    String ns = scope.resource().namespace();
    String cert = tls.text("serverCertificate");
    String key = tls.text("privateKey");
    String ca = tls.text("caCertificates");
    String credential = tls.text("credentialName");
    if (!credential.isEmpty()) {
      Optional<SecretStore.TlsFiles> files = Secrets.resolve(scope, tls.get("credentialName"), catalog, secrets, ns, credential);
      if (files.isEmpty()) {
        return Optional.empty();
      }
      cert = files.get().cert();
      key = files.get().key();
      if (mode.equals("MUTUAL") && ca.isEmpty()) {
        ca = Secrets.clientCa(scope, tls.get("credentialName"), catalog, secrets, ns, credential, files.get());
      }
    } else if (cert.isEmpty() || key.isEmpty()) {
      scope.error(tls, "a server that terminates TLS needs credentialName (a TLS Secret) or serverCertificate and privateKey");
      return Optional.empty();
    }
    if (mode.equals("MUTUAL") && ca.isEmpty() && credential.isEmpty()) {
      scope.error(tls, "MUTUAL needs caCertificates or a credentialName with a CA");
    }
    String min = switch (tls.text("minProtocolVersion")) {
      case "TLSV1_3" -> "TLSv1.3";
      case "", "TLS_AUTO", "TLSV1_2" -> "TLSv1.2";
      default -> {
        scope.warn(tls.get("minProtocolVersion"), "versions below TLS 1.2 are not served; TLSv1.2 is the minimum");
        yield "TLSv1.2";
      }
    };
    if (tls.has("cipherSuites")) {
      scope.notYet(tls.get("cipherSuites"));
    }
    ListenerTls.ClientAuth auth = mode.equals("MUTUAL") ? ListenerTls.ClientAuth.STRICT : ListenerTls.ClientAuth.NONE;
    return Optional.of(new ListenerPlan.Server(port, Listener.Protocol.HTTPS,
        List.of(new ListenerTls.CertificateRef(hosts, cert, key)), auth, mode.equals("MUTUAL") ? ca : "", min));
  }
}
