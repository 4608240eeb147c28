package io.gatehouse.certs.mesh;

/**
 * The identities expected of, and verified for, the peers of a mesh client, by the address it
 * connects to: how an upstream whose endpoints' workloads are known checks each endpoint for its
 * own SPIFFE id. Called once per handshake (never per request), on the connecting event loop:
 * implementations look up without locks and without allocating.
 */
public interface PeerIdentities {
  /** The SPIFFE id the peer at {@code host}:{@code port} must present, or null when it is not known. */
  String expected(String host, int port);

  /** The peer at {@code host}:{@code port} presented {@code spiffeId}, and it was accepted. */
  void verified(String host, int port, String spiffeId);
}
