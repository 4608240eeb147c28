package io.gatehouse.routes.load;

import io.gatehouse.routes.Compression;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerLimits;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.Origin;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads {@code listeners}: unique names, addresses and ports that do not overlap each other or the
 * admin port (port 0, "any free port", overlaps nothing), the TLS block HTTPS needs, connection
 * limits ({@link LimitsReader}), whether connections start with a PROXY protocol header, and
 * what the edge does before routing ({@link EdgeReader}).
 */
final class ListenerReader {
  private static final Set<String> KEYS = union(Set.of("name", "address", "port", "protocol", "tls", "httpsRedirect",
      "tunnels", "egressPort", "limits", "proxyProtocol", "compression"), EdgeReader.KEYS);
  private static final Set<String> REDIRECT_KEYS = Set.of("port", "status");
  private static final Set<Integer> REDIRECT_STATUSES = Set.of(301, 302, 303, 307, 308);
  private static final Set<String> TUNNEL_KEYS = Set.of("idleTimeout", "maxDuration", "maxActive");
  static final Set<String> TLS_KEYS = Set.of("certificates", "clientAuth", "clientCa", "meshClients", "minVersion", "ciphers",
      "allowJdkFallback");
  private static final Set<String> CERT_KEYS = Set.of("hosts", "cert", "key", "dev");
  private static final Set<String> VERSIONS = Set.of("TLSv1.2", "TLSv1.3");

  private record Bound(String name, String address, int port, Origin origin) {}

  private final Problems problems;
  private final int adminPort;
  private final Names names;
  private final List<Bound> bound = new ArrayList<>();

  ListenerReader(Problems problems, int adminPort) {
    this.problems = problems;
    this.adminPort = adminPort;
    this.names = Names.lowercase("listener", problems);
  }

  List<Listener> read(List<Located> items) {
    List<Listener> out = new ArrayList<>();
    for (Located item : items) {
      Fields.of(item.node(), "listener", problems, KEYS).ifPresent(f -> out.add(listener(f, item)));
    }
    return out;
  }

  private Listener listener(Fields raw, Located item) {
    String name = names.claim(raw);
    Fields f = name.isEmpty() ? raw : raw.as("listener " + name);
    String address = f.string("address", Listener.ANY_ADDRESS);
    if (!Values.isIpv4(address) && !Values.isIpv6(address) && !address.equals("localhost")) {
      problems.add(f.origin("address"), "listener " + Fields.quote(name) + ": address " + Fields.quote(address)
          + " is not an IP address (expected e.g. 0.0.0.0, 127.0.0.1, ::)");
    }
    if (!f.has("port")) {
      problems.add(f.origin(), "listener " + Fields.quote(name) + ": \"port\" is required");
    }
    int port = f.integer("port", 0, 0, 65535);
    checkOverlap(new Bound(name, address, port, f.origin("port")));
    Listener.Protocol protocol = f.enumValue("protocol", Listener.Protocol.class, Listener.Protocol.HTTP);
    ListenerTls tls = ListenerTls.NONE;
    if (protocol == Listener.Protocol.HTTPS) {
      if (!f.has("tls")) {
        problems.add(f.origin("protocol"), "listener " + Fields.quote(name) + ": protocol HTTPS needs a \"tls\" block with certificates");
      } else {
        tls = f.nested("tls", "listener " + name + " tls", TLS_KEYS).map(t -> tls(t, item)).orElse(ListenerTls.NONE);
      }
    } else if (f.has("tls") && (protocol == Listener.Protocol.EGRESS || protocol == Listener.Protocol.TCP)) {
      // Optional on EGRESS: clients reach the proxy over TLS, and may prove an identity with a certificate.
      // Optional on TCP: the gateway terminates TLS and forwards the plaintext bytes.
      tls = f.nested("tls", "listener " + name + " tls", TLS_KEYS).map(t -> tls(t, item)).orElse(ListenerTls.NONE);
    } else if (f.has("tls")) {
      problems.add(f.origin("tls"), "listener " + Fields.quote(name) + ": \"tls\" is only for protocols HTTPS, EGRESS and TCP (this one is " + protocol + ")");
    }
    Listener.Tunnels tunnels = Listener.Tunnels.defaultFor(protocol);
    if (f.has("tunnels")) {
      Listener.Tunnels defaults = tunnels;
      tunnels = f.nested("tunnels", "listener " + name + " tunnels", TUNNEL_KEYS).map(t -> tunnels(t, defaults))
          .orElse(defaults);
      if (tunnels.maxActive() != defaults.maxActive()
          && (protocol == Listener.Protocol.HTTP || protocol == Listener.Protocol.HTTPS)) {
        problems.add(f.origin("tunnels"), "listener " + Fields.quote(name) + ": \"tunnels.maxActive\" is only for"
            + " protocols EGRESS, TLS_PASSTHROUGH and TCP (limits.maxConnections bounds the WebSocket connections of " + protocol + ")");
      }
    }
    int egressPort = 0;
    if (f.has("egressPort")) {
      if (protocol == Listener.Protocol.TLS_PASSTHROUGH) {
        egressPort = f.integer("egressPort", 0, 1, 65535);
      } else {
        problems.add(f.origin("egressPort"), "listener " + Fields.quote(name)
            + ": \"egressPort\" is only for protocol TLS_PASSTHROUGH (this one is " + protocol + ")");
      }
    }
    ListenerLimits limits = f.nested("limits", "listener " + name + " limits", LimitsReader.KEYS)
        .map(LimitsReader::read).orElse(ListenerLimits.DEFAULT);
    return Listener.builder(name, port, protocol).address(address).tls(tls).httpsRedirect(httpsRedirect(f, protocol))
        .tunnels(tunnels).egressPort(egressPort).limits(limits).proxyProtocol(f.bool("proxyProtocol", false))
        .edge(EdgeReader.read(f, name, protocol)).compression(compression(f, protocol)).build();
  }

  /** The default of the routes that set no {@code compression}; HTTP and HTTPS listeners only. */
  private Compression compression(Fields f, Listener.Protocol protocol) {
    if (f.has("compression") && protocol != Listener.Protocol.HTTP && protocol != Listener.Protocol.HTTPS) {
      problems.add(f.origin("compression"), f.what() + ": \"compression\" is only for protocols HTTP and HTTPS (this one is "
          + protocol + ")");
      return Compression.NONE;
    }
    return CompressionReader.read(f, Compression.NONE);
  }

  /** {@code httpsRedirect: true} (port 443, 301) or {@code { port, status }}; HTTP listeners only. */
  private Listener.HttpsRedirect httpsRedirect(Fields f, Listener.Protocol protocol) {
    Node node = f.node("httpsRedirect");
    if (node == null) {
      return Listener.HttpsRedirect.NONE;
    }
    if (protocol != Listener.Protocol.HTTP) {
      problems.add(f.origin("httpsRedirect"), f.what() + ": httpsRedirect is only for protocol HTTP (this one is " + protocol + ")");
      return Listener.HttpsRedirect.NONE;
    }
    if (node instanceof Node.Scalar) {
      return f.bool("httpsRedirect", false) ? new Listener.HttpsRedirect(443, 301) : Listener.HttpsRedirect.NONE;
    }
    return f.nested("httpsRedirect", f.what() + " httpsRedirect", REDIRECT_KEYS).map(r -> {
      int status = r.integer("status", 301, 100, 599);
      if (!REDIRECT_STATUSES.contains(status)) {
        problems.add(r.origin("status"), r.what() + ".status: " + status + " (expected 301, 302, 303, 307 or 308)");
      }
      return new Listener.HttpsRedirect(r.integer("port", 443, 1, 65535), status);
    }).orElse(Listener.HttpsRedirect.NONE);
  }

  private static Listener.Tunnels tunnels(Fields t, Listener.Tunnels d) {
    return new Listener.Tunnels(t.duration("idleTimeout", d.idleTimeout()), t.duration("maxDuration", d.maxDuration()),
        t.integer("maxActive", d.maxActive(), 1, 1_000_000));
  }

  private void checkOverlap(Bound next) {
    if (next.port() == 0) {
      return;
    }
    if (next.port() == adminPort) {
      problems.add(next.origin(), "listener " + Fields.quote(next.name()) + ": port " + next.port() + " is the admin port");
    }
    for (Bound b : bound) {
      if (b.port() == next.port() && overlaps(b.address(), next.address())) {
        problems.add(next.origin(), "listener " + Fields.quote(next.name()) + ": " + hostPort(next.address(), next.port())
            + " overlaps listener " + Fields.quote(b.name()) + " (" + hostPort(b.address(), b.port()) + " at " + b.origin() + ")");
      }
    }
    bound.add(next);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  static String hostPort(String address, int port) {
    return address.indexOf(':') >= 0 ? "[" + address + "]:" + port : address + ":" + port;
  }

  static boolean overlaps(String a, String b) {
    return a.equals(b) || isWildcard(a) || isWildcard(b);
  }

  private static boolean isWildcard(String address) {
    return address.equals("0.0.0.0") || address.equals("::") || address.equals("0:0:0:0:0:0:0:0");
  }

  ListenerTls tls(Fields t, Located item) {
    List<ListenerTls.CertificateRef> certs = new ArrayList<>();
    for (Node node : t.list("certificates")) {
      Fields.of(node, t.what() + " certificate", problems, CERT_KEYS).ifPresent(c -> certs.add(certificate(c, item)));
    }
    if (certs.isEmpty()) {
      problems.add(t.origin("certificates"), t.what() + ": at least one certificate is required");
    }
    ListenerTls.ClientAuth auth = t.enumValue("clientAuth", ListenerTls.ClientAuth.class, ListenerTls.ClientAuth.NONE);
    String clientCa = "";
    boolean mesh = t.bool("meshClients", false);
    if (mesh && t.has("clientCa")) {
      problems.add(t.origin("clientCa"), t.what() + ": clientCa or meshClients, not both (mesh clients are verified"
          + " against the mesh root)");
    } else if (mesh && auth == ListenerTls.ClientAuth.NONE) {
      problems.add(t.origin("meshClients"), t.what() + ": meshClients needs clientAuth PERMISSIVE or STRICT");
    } else if (t.has("clientCa")) {
      clientCa = FileRefs.existing(t, "clientCa", t.string("clientCa", ""), item.baseDir());
    } else if (auth != ListenerTls.ClientAuth.NONE && !mesh) {
      problems.add(t.origin("clientAuth"), t.what() + ": clientAuth " + auth + " needs clientCa (the CA bundle that signs client certificates)");
    }
    String min = t.string("minVersion", "TLSv1.2");
    if (!VERSIONS.contains(min)) {
      problems.add(t.origin("minVersion"), t.what() + ".minVersion: " + Fields.quote(min)
          + " is not allowed (expected TLSv1.2 or TLSv1.3; TLS 1.0 and 1.1 are insecure)");
    }
    return new ListenerTls(certs, auth, clientCa, min, t.strings("ciphers"), t.bool("allowJdkFallback", false), mesh);
  }

  private ListenerTls.CertificateRef certificate(Fields c, Located item) {
    List<String> hosts = new ArrayList<>();
    for (String h : c.strings("hosts")) {
      Values.hostPattern(h).ifPresentOrElse(hosts::add, () -> problems.add(c.origin("hosts"),
          c.what() + ": host " + Fields.quote(h) + " is not a host name or *.wildcard"));
    }
    if (c.bool("dev", false)) {
      if (c.has("cert") || c.has("key")) {
        problems.add(c.origin("dev"), c.what() + ": dev: true issues its own certificate; remove cert and key");
      }
      return new ListenerTls.CertificateRef(hosts, "", "", true);
    }
    String cert = c.required("cert");
    String key = c.required("key");
    return new ListenerTls.CertificateRef(hosts,
        cert.isEmpty() ? "" : FileRefs.existing(c, "cert", cert, item.baseDir()),
        key.isEmpty() ? "" : FileRefs.existing(c, "key", key, item.baseDir()));
  }
}
