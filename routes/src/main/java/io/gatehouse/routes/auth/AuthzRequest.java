package io.gatehouse.routes.auth;

import java.util.List;

/**
 * What an authorization policy can see of a request, so the policy matcher runs (and is tested)
 * without Vert.x. Strings are never null: absent is "". Addresses are
 * {@code InetAddress.getAddress()} bytes (empty when unknown).
 */
public interface AuthzRequest {
  String listener();

  /** The route that took the request, or "" when none did. */
  String route();

  String method();

  /** The Host / :authority as sent (with its port, if any). */
  String authority();

  /** The normalised path, without the query. */
  String path();

  /** The port the connection arrived on (the listener's). */
  int port();

  /** The client certificate's SPIFFE identity without {@code spiffe://}, or "". */
  String principal();

  /** {@code iss/sub} of the verified JWT, or "" without one. */
  String requestPrincipal();

  /** The address of the peer that opened the connection. */
  byte[] sourceIp();

  /** The client address: the peer, or the address trusted hops / PROXY protocol name. */
  byte[] remoteIp();

  /** The local address of the connection. */
  byte[] destinationIp();

  /** The TLS server name the client sent, or "". */
  String sni();

  /** A request header by lowercase name; null when absent. */
  String header(String name);

  /**
   * The values of a claim of the verified JWT ({@code path} is {@code [groups]} or, nested,
   * {@code [a, b]}): a string claim is one value, a list claim its items; empty when absent or no JWT.
   */
  List<String> claim(List<String> path);
}
