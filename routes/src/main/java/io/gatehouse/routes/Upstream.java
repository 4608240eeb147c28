package io.gatehouse.routes;

import java.util.List;

/** A named group of endpoints that routes forward to, with how to spread load over them. */
public record Upstream(String name, List<Endpoint> endpoints, LoadBalancer loadBalancer, UpstreamTls tls) {
  public Upstream {
    endpoints = List.copyOf(endpoints);
  }

  /** How a request picks an endpoint. */
  public enum LoadBalancer { ROUND_ROBIN, LEAST_REQUEST, RANDOM, CONSISTENT_HASH }

  /** One address of an upstream: an IP literal or a DNS name, and a port. */
  public record Endpoint(String host, int port) {
    @Override public String toString() {
      return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
  }
}
