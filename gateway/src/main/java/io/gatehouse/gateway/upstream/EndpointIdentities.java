package io.gatehouse.gateway.upstream;

import io.gatehouse.certs.mesh.PeerIdentities;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SPIFFE id each endpoint of a mesh upstream must present: its workload's, in the mesh's
 * trust domain, when the endpoint's workload (service account and namespace, or identity) is
 * known; any of the known ones ({@link #known()}) for an endpoint whose workload is not. Looked up
 * by the host and port a connection was made to, once per handshake, without allocating; the id a
 * handshake accepted is kept on the endpoint (for telemetry).
 */
final class EndpointIdentities implements PeerIdentities {
  private final Map<String, EndpointState[]> byHost = new HashMap<>();
  private final Set<String> known;

  EndpointIdentities(EndpointState[] endpoints, String trustDomain) {
    Map<String, List<EndpointState>> grouped = new HashMap<>();
    Set<String> ids = new HashSet<>();
    for (EndpointState e : endpoints) {
      String id = e.config().workload().spiffeId(trustDomain);
      e.expectedIdentity(id.isEmpty() ? null : id);
      if (!id.isEmpty()) {
        ids.add(id);
      }
      grouped.computeIfAbsent(e.config().host(), h -> new ArrayList<>()).add(e);
    }
    grouped.forEach((host, list) -> byHost.put(host, list.toArray(EndpointState[]::new)));
    known = Set.copyOf(ids);
  }

  private EndpointState find(String host, int port) {
    EndpointState[] candidates = byHost.get(host);
    if (candidates == null && host.startsWith("[") && host.endsWith("]")) {
      candidates = byHost.get(host.substring(1, host.length() - 1)); // an IPv6 literal in URI form
    }
    if (candidates != null) {
      for (EndpointState e : candidates) {
        if (e.config().port() == port) {
          return e;
        }
      }
    }
    return null;
  }

  @Override public String expected(String host, int port) {
    EndpointState e = find(host, port);
    return e == null ? null : e.expectedIdentity();
  }

  @Override public Set<String> known() {
    return known;
  }

  @Override public void verified(String host, int port, String spiffeId) {
    EndpointState e = find(host, port);
    if (e != null) {
      e.verifiedIdentity(spiffeId);
    }
  }
}
