package io.gatehouse.routes;

import java.time.Duration;
import java.util.List;

/**
 * What the gateway reports about the traffic it carries: which metric families it keeps, the
 * workload identity it reports as in Istio's labels, the access log's format and distributed
 * tracing. Absent parts are their defaults: both metric families on, identity from the pod's
 * environment, the JSON access log, tracing off.
 */
public record Telemetry(Metrics metrics, Workload workload, AccessLogFormat accessLog, Tracing tracing) {
  public static final Telemetry DEFAULT =
      new Telemetry(Metrics.DEFAULT, Workload.FROM_ENVIRONMENT, AccessLogFormat.DEFAULT, Tracing.NONE);

  /** The per-request metric families: {@code gatehouse_*} and Istio's standard {@code istio_*}. */
  public record Metrics(boolean gatehouse, boolean istio) {
    public static final Metrics DEFAULT = new Metrics(true, true);
  }

  /**
   * The gateway's own workload as Istio's {@code source_*} labels name it. An empty value is filled
   * in at run time: {@code name} from {@code POD_NAME} (the Deployment's name, without the pod's
   * ReplicaSet suffix), {@code namespace} from {@code POD_NAMESPACE}, and "unknown" otherwise.
   */
  public record Workload(String name, String namespace, String principal, String cluster) {
    public static final Workload FROM_ENVIRONMENT = new Workload("", "", "", "");
  }

  /**
   * Distributed tracing: spans exported over OTLP to {@code endpoint} (empty: tracing off),
   * {@code samplingPercent} of new traces sampled (a sampled or unsampled parent decides for its
   * children), trace context read from and written in {@code propagation}'s formats; at most
   * {@code maxQueueSize} spans wait for export, more are dropped and counted.
   */
  public record Tracing(String endpoint, Protocol protocol, double samplingPercent, List<Propagation> propagation,
                        String serviceName, int maxQueueSize, Duration exportTimeout) {
    public static final List<Propagation> DEFAULT_PROPAGATION = List.of(Propagation.W3C, Propagation.B3);
    public static final Tracing NONE = new Tracing("", Protocol.GRPC, 1, DEFAULT_PROPAGATION, "gatehouse", 2048,
        Duration.ofSeconds(10));

    public Tracing {
      propagation = List.copyOf(propagation);
    }

    public boolean enabled() {
      return !endpoint.isEmpty();
    }

    /** OTLP over gRPC (port 4317) or over HTTP with protobuf bodies (port 4318, {@code /v1/traces}). */
    public enum Protocol { GRPC, HTTP }

    /** W3C Trace Context ({@code traceparent}, {@code tracestate}); B3 single ({@code b3}) and multi ({@code X-B3-*}) headers. */
    public enum Propagation { W3C, B3, B3_MULTI }
  }
}
