package io.gatehouse.gateway.tcp;

import io.gatehouse.gateway.observe.AccessLog;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;

/**
 * What a TLS passthrough connection became, for its access log line: filled in as the
 * connection is routed (host, route, upstream, endpoint), then turned into one entry.
 */
public final class TunnelLine {
  private final long startMillis = System.currentTimeMillis();
  private final long startNanos = System.nanoTime();
  private final String listener;
  private String host = "";
  private String route = "";
  private String rule = "";
  private String upstream = "";
  private String endpoint = "";
  private String destination = "";

  TunnelLine(String listener) {
    this.listener = listener;
  }

  /** What the client asked for: the server name (with the port, for egress). */
  public void host(String host) {
    this.host = host;
  }

  /** The route that took the connection. */
  public void route(String route) {
    this.route = route;
  }

  /** The egress allow-list entry that decided (also the route), named in refusals; empty for a routed passthrough. */
  public void rule(String rule) {
    this.rule = rule;
    this.route = rule;
  }

  public String rule() {
    return rule;
  }

  public void upstream(String upstream) {
    this.upstream = upstream;
  }

  /** What Istio's TCP metrics name the destination: the upstream, or the egress allow-list entry. */
  public void destination(String destination) {
    this.destination = destination;
  }

  public String destination() {
    return destination;
  }

  /** The address being connected to (the last one tried). */
  public void endpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  /** The log entry of the finished connection: {@code status} 200 when it was tunnelled, else 0. */
  AccessLog.Entry entry(NetSocket client, int status, long bytesIn, long bytesOut, String failure) {
    SocketAddress remote = client.remoteAddress();
    return new AccessLog.Entry(startMillis, "", remote == null ? "" : remote.hostAddress(), listener, host, "", "", "TLS",
        route, upstream, endpoint, status, bytesIn, bytesOut, (System.nanoTime() - startNanos) / 1_000, 1, failure);
  }
}
