package io.gatehouse.routes;

import java.util.List;

/**
/**
 * A named group of endpoints that routes forward to, with how to spread load over them, how to
 * protect them (active health checks, outlier ejection, a circuit breaker and a retry budget) and
 * the HTTP version spoken to them ({@code HTTP2}: h2c with prior knowledge, or h2 by ALPN over TLS).
 * Absent blocks are their {@code NONE}/{@code DEFAULT} values, never null.
 */
public record Upstream(String name, List<Endpoint> endpoints, LoadBalancer loadBalancer, UpstreamTls tls,
                       HashOn hashOn, HealthCheck healthCheck, OutlierDetection outlierDetection,
                       CircuitBreaker circuitBreaker, RetryBudget retryBudget, Protocol protocol) {
  public Upstream {
    endpoints = List.copyOf(endpoints);
  }

  /** An HTTP/1.1 upstream with the default traffic policy: no health checks, no ejection, default limits and budget. */
  public Upstream(String name, List<Endpoint> endpoints, LoadBalancer loadBalancer, UpstreamTls tls) {
    this(name, endpoints, loadBalancer, tls, HashOn.NONE, HealthCheck.NONE, OutlierDetection.NONE,
        CircuitBreaker.DEFAULT, RetryBudget.DEFAULT, Protocol.HTTP1);
  }

  /** The HTTP version spoken to the endpoints; gRPC needs HTTP2. */
  public enum Protocol { HTTP1, HTTP2 }

  /** How a request picks an endpoint. */
  public enum LoadBalancer { ROUND_ROBIN, LEAST_REQUEST, RANDOM, CONSISTENT_HASH }

  /** One address of an upstream: an IP literal or a DNS name, and a port. */
  public record Endpoint(String host, int port) {
    @Override public String toString() {
      return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
  }
}
