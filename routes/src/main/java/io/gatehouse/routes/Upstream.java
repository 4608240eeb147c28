package io.gatehouse.routes;

import java.util.List;

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

  /**
   * One address of an upstream: an IP literal or a DNS name, and a port, with the workload behind
   * it when a source knows it ({@link Workload#NONE} otherwise).
   */
  public record Endpoint(String host, int port, Workload workload) {
    public Endpoint {
      java.util.Objects.requireNonNull(host, "host");
      workload = workload == null ? Workload.NONE : workload;
    }

    /** An endpoint whose workload is not known. */
    public Endpoint(String host, int port) {
      this(host, port, Workload.NONE);
    }

    @Override public String toString() {
      return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
  }

  /**
   * The workload serving an endpoint, as Istio describes it for telemetry and identity: the
   * workload {@code name} (a pod's Deployment), its {@code namespace}, {@code app} and
   * {@code version} (Istio's canonical service name and revision), the {@code serviceAccount} it
   * runs as, an explicit SPIFFE {@code identity} (overriding the one made of namespace and service
   * account) and the mesh {@code cluster} id. Empty strings are unknown parts.
   */
  public record Workload(String name, String namespace, String app, String version, String serviceAccount,
                         String identity, String cluster) {
    public static final Workload NONE = new Workload("", "", "", "", "", "", "");

    public Workload {
      name = orEmpty(name);
      namespace = orEmpty(namespace);
      app = orEmpty(app);
      version = orEmpty(version);
      serviceAccount = orEmpty(serviceAccount);
      identity = orEmpty(identity);
      cluster = orEmpty(cluster);
    }

    private static String orEmpty(String s) {
      return s == null ? "" : s;
    }

    public boolean known() {
      return !equals(NONE);
    }

    /**
     * The SPIFFE id this workload presents in a mesh of {@code trustDomain}: {@code identity} when
     * given, else {@code spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>}; empty when neither
     * is known.
     */
    public String spiffeId(String trustDomain) {
      if (!identity.isEmpty()) {
        return identity;
      }
      return serviceAccount.isEmpty() || namespace.isEmpty() ? ""
          : "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }
  }
}
