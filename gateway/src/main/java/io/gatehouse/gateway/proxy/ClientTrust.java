package io.gatehouse.gateway.proxy;

import io.gatehouse.routes.ListenerEdge;
import io.gatehouse.routes.egress.Cidr;
import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;

/**
 * Which connections are trusted proxies, and who the client is then (Istio's
 * {@code numTrustedProxies}, Envoy's {@code xff_num_trusted_hops} and {@code trusted_cidrs}). With
 * {@code trustedCidrs}, only a peer inside them is trusted; otherwise {@code trustedHops > 0} trusts
 * every peer (a load balancer in front is the only way in). For a trusted peer the client is the
 * {@code trustedHops}-th address from the right of {@code X-Forwarded-For} (too few: the peer), or,
 * with CIDRs alone, the rightmost address not inside them. An untrusted peer is the client, and
 * whatever it claims in forwarding headers is replaced.
 */
final class ClientTrust {
  static final ClientTrust NONE = new ClientTrust(0, List.of());

  private final int hops;
  private final List<Cidr> cidrs;

  private ClientTrust(int hops, List<Cidr> cidrs) {
    this.hops = hops;
    this.cidrs = List.copyOf(cidrs);
  }

  static ClientTrust of(ListenerEdge edge) {
    if (!edge.trustsSomeHop()) {
      return NONE;
    }
    return new ClientTrust(edge.trustedHops(), edge.trustedCidrs().stream()
        .map(c -> Cidr.parse(c.indexOf('/') >= 0 ? c : c + (c.indexOf(':') < 0 ? "/32" : "/128"))).toList());
  }

  /** Whether the peer at {@code address} (an IP literal) may speak for the client. */
  boolean trusts(String address) {
    if (cidrs.isEmpty()) {
      return hops > 0;
    }
    return inCidrs(address);
  }

  /**
   * Who the client of {@code request} is, given its connection's {@code peer} address as text (the
   * PROXY protocol's source when the listener takes it; null when there is none): for a trusted
   * peer, the address its {@code X-Forwarded-For} names ({@link #client}); otherwise the peer
   * itself. This is what {@code X-Real-IP} carries.
   */
  String clientOf(String peer, HttpServerRequest request) {
    if (peer == null || !trusts(peer)) {
      return peer;
    }
    List<String> lines = request.headers().getAll("x-forwarded-for");
    return client(lines.isEmpty() ? null : lines.size() == 1 ? lines.get(0) : String.join(", ", lines), peer);
  }

  /** The client address of a trusted peer's request, from its {@code X-Forwarded-For} list (null: none). */
  String client(String forwardedFor, String peer) {
    if (forwardedFor == null || forwardedFor.isBlank()) {
      return peer;
    }
    String[] hopsSeen = forwardedFor.split(",");
    if (hops > 0) {
      return hopsSeen.length >= hops ? hopsSeen[hopsSeen.length - hops].trim() : peer;
    }
    for (int i = hopsSeen.length - 1; i >= 0; i--) {
      String address = hopsSeen[i].trim();
      if (!inCidrs(address)) {
        return address;
      }
    }
    return hopsSeen[0].trim();
  }

  /** Literals only: a name in a forwarding header is never resolved, and never trusted. */
  private boolean inCidrs(String address) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
    if (bytes == null) {
      return false;
    }
    for (Cidr cidr : cidrs) {
      if (cidr.contains(bytes)) {
        return true;
      }
    }
    return false;
  }
}
