package io.gatehouse.admin.source.xds;

import io.gatehouse.admin.source.xds.EndpointTranslator.XEndpoints;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.Mirror;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.UpstreamTls;
import io.gatehouse.routes.mesh.SecretStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Puts the accepted resources of every type together into the source's native config fragment,
 * as Envoy warms a listener: nothing is offered until every RDS configuration, EDS assignment and
 * SDS secret that the listeners and their routes name has arrived ({@link Result#waiting}). Only
 * the clusters that routes use become upstreams. A route to a cluster that cannot be served (not
 * in CDS, or of a kind the gateway does not serve) answers 503, as Envoy's "cluster not found"
 * does, and is reported. Istio mutual TLS clusters become {@code mode: MESH} upstreams (the
 * gateway's workload certificate, the mesh root, the cluster's SPIFFE ids and SNI) when the config
 * has a {@code meshIdentity}.
 */
final class XdsAssembly {
  /** The fragment (empty while waiting), what it waits for, what was reported, and the names to subscribe to. */
  record Result(Optional<GatewayConfig> fragment, List<String> waiting, List<String> notes, Set<String> rds,
                Set<String> eds, Set<String> sds) {}

  /**
   * Every accepted resource, translated, by name; and whether the gateway has a workload identity
   * (the serving config's {@code meshIdentity}), without which Istio mutual TLS clusters are not served.
   */
  record Resources(Map<String, XListener> listeners, Map<String, List<Route>> routes, Map<String, XCluster> clusters,
                   Map<String, XEndpoints> endpoints, Map<String, SecretStore.TlsFiles> secrets, boolean ldsReceived,
                   boolean cdsReceived, boolean meshIdentity) {}

  /** Why a route to an Istio mutual TLS cluster answers 503 while the config has no {@code meshIdentity}. */
  static final String NO_MESH_IDENTITY = "Istio mutual TLS (ISTIO_MUTUAL) needs the gateway's own workload certificate:"
      + " add a meshIdentity block to the config (docs/mesh.md, \"Mesh identity and ISTIO_MUTUAL\")";

  private XdsAssembly() {}

  static Result assemble(Resources r) {
    List<String> waiting = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Set<String> rdsNames = new TreeSet<>();
    Set<String> sdsNames = new TreeSet<>();
    Set<String> edsNames = new TreeSet<>();
    r.clusters().values().forEach(c -> {
      if (c.eds()) {
        edsNames.add(c.edsName());
      }
    });
    // Routes of one RDS configuration are bound to every listener that names it.
    Map<String, List<String>> rdsListeners = new TreeMap<>();
    List<Route> routes = new ArrayList<>();
    List<Listener> listeners = new ArrayList<>();
    for (XListener l : new TreeMap<>(r.listeners()).values()) {
      l.rds().forEach(name -> rdsListeners.computeIfAbsent(name, k -> new ArrayList<>()).add(l.name()));
      l.routes().forEach(route -> routes.add(route.onListeners(List.of(l.name()))));
      ListenerTls tls = ListenerTls.NONE;
      if (!l.tls().isEmpty()) {
        tls = listenerTls(l, r.secrets(), sdsNames, waiting);
      }
      listeners.add(Listener.builder(l.name(), l.port(), l.protocol()).address(l.address()).tls(tls)
          .tunnels(Listener.Tunnels.DEFAULT).proxyProtocol(l.proxyProtocol()).build());
    }
    rdsListeners.forEach((name, bound) -> {
      rdsNames.add(name);
      List<Route> config = r.routes().get(name);
      if (config == null) {
        waiting.add("RDS " + name);
      } else {
        config.forEach(route -> routes.add(route.onListeners(bound)));
      }
    });
    Map<String, Upstream> upstreams = new LinkedHashMap<>();
    List<Route> served = new ArrayList<>();
    for (Route route : routes) {
      served.add(resolve(route, r, upstreams, sdsNames, waiting, notes));
    }
    if (!r.ldsReceived() || !r.cdsReceived()) {
      waiting.add(0, !r.ldsReceived() ? "the first LDS answer" : "the first CDS answer");
    }
    Optional<GatewayConfig> fragment = waiting.isEmpty()
        ? Optional.of(GatewayConfig.EMPTY.withObjects(listeners, List.copyOf(upstreams.values()), served, List.of()))
        : Optional.empty();
    return new Result(fragment, List.copyOf(new LinkedHashSet<>(waiting)), notes, rdsNames, edsNames, sdsNames);
  }

  private static ListenerTls listenerTls(XListener l, Map<String, SecretStore.TlsFiles> secrets, Set<String> sdsNames,
                                         List<String> waiting) {
    List<ListenerTls.CertificateRef> certs = new ArrayList<>();
    String clientCa = "";
    ListenerTls.ClientAuth auth = ListenerTls.ClientAuth.NONE;
    String min = "TLSv1.2";
    for (XListener.TlsChain chain : l.tls()) {
      String cert = chain.certFile();
      String key = chain.keyFile();
      if (!chain.certSecret().isEmpty()) {
        sdsNames.add(chain.certSecret());
        SecretStore.TlsFiles files = secrets.get(chain.certSecret());
        if (files == null || files.cert().isEmpty()) {
          waiting.add("SDS " + chain.certSecret());
          continue;
        }
        cert = files.cert();
        key = files.key();
      }
      certs.add(new ListenerTls.CertificateRef(chain.hosts(), cert, key));
      String ca = chain.caFile();
      if (!chain.caSecret().isEmpty()) {
        sdsNames.add(chain.caSecret());
        SecretStore.TlsFiles files = secrets.get(chain.caSecret());
        if (files == null || files.ca().isEmpty()) {
          waiting.add("SDS " + chain.caSecret());
          continue;
        }
        ca = files.ca();
      }
      if (!ca.isEmpty()) {
        clientCa = ca;
        auth = chain.requireClient() ? ListenerTls.ClientAuth.STRICT : ListenerTls.ClientAuth.PERMISSIVE;
      }
      min = chain.minVersion();
    }
    return new ListenerTls(certs, auth, clientCa, min, List.of());
  }

  /** The route with its backends checked against CDS; upstreams it uses are added to {@code upstreams}. */
  private static Route resolve(Route route, Resources r, Map<String, Upstream> upstreams, Set<String> sdsNames,
                               List<String> waiting, List<String> notes) {
    if (!(route.action() instanceof Action.Forward forward)) {
      return route;
    }
    List<Action.Backend> kept = new ArrayList<>();
    for (Action.Backend b : forward.backends()) {
      String why = upstream(b.upstream(), r, upstreams, sdsNames, waiting);
      if (why.isEmpty()) {
        kept.add(b);
      } else if (!why.equals(WAITING)) {
        notes.add("route " + route.name() + ": cluster " + b.upstream() + " is not served: " + why
            + (forward.backends().size() > 1 ? "; its share goes to the other clusters" : "; the route answers 503"));
      }
    }
    Mirror mirror = route.mirror();
    if (!mirror.upstream().isEmpty() && !upstream(mirror.upstream(), r, upstreams, sdsNames, waiting).isEmpty()) {
      mirror = Mirror.NONE;
    }
    // No cluster left: a route forwarding to none, which the gateway answers with its own error (503,
    // reason cluster_not_found, as Envoy), not a fixed body.
    return route.toBuilder().action(new Action.Forward(kept)).mirror(mirror).build();
  }

  private static final String WAITING = "waiting";

  /** Empty when {@code name} is served (and added to {@code upstreams}); else why not, or {@link #WAITING}. */
  private static String upstream(String name, Resources r, Map<String, Upstream> upstreams, Set<String> sdsNames,
                                 List<String> waiting) {
    if (upstreams.containsKey(name)) {
      return "";
    }
    XCluster c = r.clusters().get(name);
    if (c == null) {
      if (!r.cdsReceived()) {
        return WAITING;
      }
      return "CDS has no such cluster";
    }
    if (!c.unservable().isEmpty()) {
      return c.unservable();
    }
    List<Upstream.Endpoint> endpoints = c.inline();
    XCluster.ClusterTls tls = c.tls();
    if (c.eds()) {
      XEndpoints e = r.endpoints().get(c.edsName());
      if (e == null) {
        waiting.add("EDS " + c.edsName());
        return WAITING;
      }
      endpoints = e.endpoints();
      if (tls.matchIstio()) {
        if (e.istio() == 0) {
          tls = XCluster.ClusterTls.NONE;
        } else if (e.istio() < e.total()) {
          return "some endpoints take Istio mutual TLS and some plaintext (one TLS setting per upstream is served)";
        }
      }
    }
    UpstreamTls upstreamTls = UpstreamTls.NONE;
    if (tls.mesh()) {
      if (!r.meshIdentity()) {
        return NO_MESH_IDENTITY;
      }
      // The agent's secrets are the gateway's own workload identity: nothing to ask SDS for.
      upstreamTls = UpstreamTls.mesh(tls.sni(), tls.subjectAltNames());
    } else if (tls.enabled()) {
      String ca = tls.caFile();
      String cert = tls.certFile();
      String key = tls.keyFile();
      for (String secret : tls.secrets()) {
        sdsNames.add(secret);
        if (!r.secrets().containsKey(secret)) {
          waiting.add("SDS " + secret);
          return WAITING;
        }
      }
      if (!tls.caSecret().isEmpty()) {
        ca = r.secrets().get(tls.caSecret()).ca();
      }
      if (!tls.certSecret().isEmpty()) {
        cert = r.secrets().get(tls.certSecret()).cert();
        key = r.secrets().get(tls.certSecret()).key();
      }
      // Envoy checks the upstream's name only against match_subject_alt_names, never against the SNI.
      upstreamTls = new UpstreamTls(true, tls.sni(), ca, cert, key, false, false, tls.subjectAltNames());
    }
    Upstream b = c.base();
    upstreams.put(name, new Upstream(name, endpoints, b.loadBalancer(), upstreamTls, b.hashOn(), b.healthCheck(),
        b.outlierDetection(), b.circuitBreaker(), b.retryBudget(), b.protocol()));
    return "";
  }
}
