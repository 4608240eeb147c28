package io.gatehouse.certs.mesh;

import java.util.Set;

/**
 * The identities expected of, and verified for, the peers of a mesh client, by the address it
 * connects to: how an upstream whose endpoints' workloads are known checks each endpoint for its
 * own SPIFFE id. Called once per handshake (never per request), on the connecting event loop:
 * implementations look up without locks and without allocating.
 */
public interface PeerIdentities {
  /** The SPIFFE id the peer at {@code host}:{@code port} must present, or null when it is not known. */
  String expected(String host, int port);

  /**
   * Every SPIFFE id {@link #expected} knows: what a peer whose own id is not known (an endpoint
   * without a known workload, an address that is no endpoint) must present one of, as Istio checks
   * every endpoint of a service against its service accounts. Empty when no id is known.
   */
  Set<String> known();

  /** The peer at {@code host}:{@code port} presented {@code spiffeId}, and it was accepted. */
  void verified(String host, int port, String spiffeId);
}
