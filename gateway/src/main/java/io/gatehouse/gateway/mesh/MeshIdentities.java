package io.gatehouse.gateway.mesh;

import io.gatehouse.certs.mesh.IdentityStatus;
import io.gatehouse.certs.mesh.WorkloadIdentity;
import io.gatehouse.routes.MeshIdentity;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's workload identity across config changes: started when a config first names a
 * {@code meshIdentity}, kept while the serving config's block is unchanged (its certificate and
 * renewal survive reloads), replaced when the block changes, stopped when it is removed. Its
 * meters: {@code gatehouse_mesh_cert_expiry_seconds} (seconds left on the current certificate,
 * negative once expired), {@code gatehouse_mesh_cert_renewals_total} and
 * {@code gatehouse_mesh_cert_failures_total}.
 */
public final class MeshIdentities {
  private final Vertx vertx;
  private final Map<MeshIdentity, WorkloadIdentity> started = new HashMap<>();
  private volatile WorkloadIdentity serving;

  public MeshIdentities(Vertx vertx, MeterRegistry registry) {
    this.vertx = vertx;
    Gauge.builder("gatehouse.mesh.cert.expiry", this, m -> m.status(s -> s.notAfter() == null ? Double.NaN
            : (s.notAfter().toEpochMilli() - Instant.now().toEpochMilli()) / 1000.0))
        .baseUnit("seconds")
        .description("Seconds until the workload certificate from the mesh CA expires")
        .register(registry);
    FunctionCounter.builder("gatehouse.mesh.cert.renewals", this, m -> m.status(s -> s.renewals()))
        .description("Workload certificates received from the mesh CA").register(registry);
    FunctionCounter.builder("gatehouse.mesh.cert.failures", this, m -> m.status(s -> s.failures()))
        .description("Failed requests to the mesh CA (each retried with backoff)").register(registry);
  }

  private double status(ToDoubleFunction<IdentityStatus> read) {
    WorkloadIdentity identity = serving;
    return identity == null ? 0 : read.applyAsDouble(identity.status());
  }

  /** The identity for {@code config}: the running one if its block is unchanged, else a new one; null when disabled. */
  public synchronized WorkloadIdentity forConfig(MeshIdentity config) {
    if (!config.enabled()) {
      return null;
    }
    return started.computeIfAbsent(config, c -> WorkloadIdentity.start(vertx, c));
  }

  /** The config {@code config} now serves: its identity is the one shown; any other is stopped. */
  public synchronized void retain(MeshIdentity config) {
    WorkloadIdentity keep = config.enabled() ? started.get(config) : null;
    started.entrySet().removeIf(e -> {
      if (e.getValue() != keep) {
        e.getValue().close();
        return true;
      }
      return false;
    });
    serving = keep;
  }

  /** The serving config's identity, if it has one. */
  public Optional<WorkloadIdentity> serving() {
    return Optional.ofNullable(serving);
  }

  /** Trust for listeners that accept mesh clients: the serving identity's mesh root at each handshake. */
  public javax.net.ssl.X509ExtendedTrustManager clientTrust() {
    return new MeshClientTrust(this);
  }

  /** Stops every identity (shutdown). */
  public synchronized void close() {
    started.values().forEach(WorkloadIdentity::close);
    started.clear();
    serving = null;
  }
}
