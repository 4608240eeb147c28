package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The listeners that Gateways ask for, merged by port as Istio merges servers: every server on
 * one port shares a listener ({@code mesh-<port>}); HTTPS servers add their certificates (chosen
 * by SNI), as do TCP servers that terminate TLS. Servers that disagree on a port's protocol
 * (plain TCP and TCP behind TLS differ), client authentication or HTTPS redirect are errors.
 */
final class ListenerPlan {
  /** One server or Gateway API listener, before merging; {@code httpsRedirect} for HTTP servers only. */
  record Server(int port, Listener.Protocol protocol, List<ListenerTls.CertificateRef> certificates,
                ListenerTls.ClientAuth clientAuth, String clientCa, String minVersion,
                Listener.HttpsRedirect httpsRedirect) {
    Server(int port, Listener.Protocol protocol, List<ListenerTls.CertificateRef> certificates,
           ListenerTls.ClientAuth clientAuth, String clientCa, String minVersion) {
      this(port, protocol, certificates, clientAuth, clientCa, minVersion, Listener.HttpsRedirect.NONE);
    }

    Server withHttpsRedirect(Listener.HttpsRedirect redirect) {
      return new Server(port, protocol, certificates, clientAuth, clientCa, minVersion, redirect);
    }

    /** This terminating server as a TCP one: TLS terminated with these certificates, the bytes inside forwarded. */
    Server asTcp() {
      return new Server(port, Listener.Protocol.TCP, certificates, clientAuth, clientCa, minVersion, httpsRedirect);
    }

    /** Whether the server terminates TLS (HTTPS, or TCP with certificates). */
    boolean terminatesTls() {
      return !certificates.isEmpty();
    }
  }

  private record Entry(String owner, Server first, List<ListenerTls.CertificateRef> certificates) {}

  private final MeshSettings settings;
  private final Map<Integer, Entry> byPort = new TreeMap<>();

  ListenerPlan(MeshSettings settings) {
    this.settings = settings;
  }

  /** Whether {@code server} fits what other resources already planned on its port (reported in {@code scope} if not). */
  boolean check(Scope scope, Tree at, Server server) {
    Entry existing = byPort.get(server.port());
    if (existing == null) {
      return true;
    }
    Server first = existing.first();
    if (first.protocol() != server.protocol() || first.terminatesTls() != server.terminatesTls()) {
      scope.error(at, "port " + server.port() + " is " + describe(first) + " in " + existing.owner()
          + "; one port serves one protocol");
      return false;
    }
    if (!first.httpsRedirect().equals(server.httpsRedirect())) {
      scope.error(at, "port " + server.port() + " " + redirect(first.httpsRedirect()) + " in " + existing.owner()
          + "; servers sharing a port share tls.httpsRedirect (one listener answers them all)");
      return false;
    }
    if (first.clientAuth() != server.clientAuth() || !first.clientCa().equals(server.clientCa())) {
      scope.error(at, "port " + server.port() + " asks for client certificates differently in " + existing.owner()
          + "; servers sharing a port share its client authentication");
      return false;
    }
    for (ListenerTls.CertificateRef ref : server.certificates()) {
      for (String host : ref.hosts()) {
        for (ListenerTls.CertificateRef other : existing.certificates()) {
          if (other.hosts().contains(host) && !(other.cert().equals(ref.cert()) && other.key().equals(ref.key()))) {
            scope.error(at, "host " + host + " on port " + server.port() + " already has another certificate in "
                + existing.owner());
            return false;
          }
        }
      }
    }
    return true;
  }

  private static String describe(Server s) {
    return s.protocol() == Listener.Protocol.TCP && s.terminatesTls() ? "TCP behind TLS" : s.protocol().toString();
  }

  private static String redirect(Listener.HttpsRedirect r) {
    return r.enabled() ? "redirects to HTTPS port " + r.port() : "does not redirect to HTTPS";
  }

  void add(String owner, Server server) {
    Entry entry = byPort.computeIfAbsent(server.port(), p -> new Entry(owner, server, new ArrayList<>()));
    for (ListenerTls.CertificateRef ref : server.certificates()) {
      if (!entry.certificates().contains(ref)) {
        entry.certificates().add(ref);
      }
    }
  }

  /** The listener that the servers on {@code port} share. */
  static String name(int port) {
    return "mesh-" + port;
  }

  List<Listener> listeners() {
    List<Listener> out = new ArrayList<>();
    byPort.forEach((port, entry) -> {
      Server s = entry.first();
      ListenerTls tls = s.protocol() == Listener.Protocol.HTTPS || s.terminatesTls()
          ? new ListenerTls(entry.certificates(), s.clientAuth(), s.clientCa(), s.minVersion(), List.of())
          : ListenerTls.NONE;
      out.add(Listener.builder(name(port), settings.bindPort(port), s.protocol()).tls(tls).httpsRedirect(s.httpsRedirect())
          .proxyProtocol(settings.proxyProtocol()).edge(settings.edge()).build());
    });
    return out;
  }
}
