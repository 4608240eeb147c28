package io.gatehouse.certs.mesh;

import io.gatehouse.routes.MeshIdentity;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The gateway's workload identity in the mesh: a certificate for its SPIFFE id from the mesh CA,
 * renewed at half its lifetime (±5% jitter) with a new key each time, retried with exponential
 * backoff (500ms doubling to 30s) while the CA fails, the previous certificate serving meanwhile.
 * Consumers read {@link #current()} or take the {@link #keyManager()} and
 * {@link #trustManager(Collection, String)}, which follow rotations by themselves (new handshakes
 * get the new certificate, established connections keep theirs), or listen with
 * {@link #onRotate(Consumer)}. The private key stays in memory (and in {@code stateDir}, mode
 * 0600, when one is configured); it never reaches logs, status or errors.
 */
public final class WorkloadIdentity implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(WorkloadIdentity.class.getName());
  static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final MeshIdentity config;
  private final Issuer issuer;
  private final Clock clock;
  private final List<Consumer<WorkloadCert>> listeners = new CopyOnWriteArrayList<>();
  private final Promise<WorkloadCert> first = Promise.promise();
  private final AtomicLong renewals = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile WorkloadCert current;
  private volatile WorkloadCert previous;
  private volatile String lastError = "";
  private volatile Instant nextAttempt;
  private volatile String spiffeId = "";
  private int failureStreak;
  private long timer = -1;
  private boolean closed;

  private WorkloadIdentity(Vertx vertx, MeshIdentity config, Pod pod, Clock clock) {
    this.vertx = vertx;
    this.config = config;
    this.clock = clock;
    this.issuer = new Issuer(config, pod);
  }

  /** Starts getting the first certificate now; {@link #ready()} completes when it arrives. */
  public static WorkloadIdentity start(Vertx vertx, MeshIdentity config) {
    return start(vertx, config, Pod.fromEnvironment());
  }

  /** As {@link #start(Vertx, MeshIdentity)}, with the pod's facts given (tests). */
  static WorkloadIdentity start(Vertx vertx, MeshIdentity config, Pod pod) {
    Objects.requireNonNull(vertx, "vertx");
    if (!Objects.requireNonNull(config, "config").enabled()) {
      throw new IllegalArgumentException("config: meshIdentity is not enabled");
    }
    WorkloadIdentity identity = new WorkloadIdentity(vertx, config, pod, Clock.systemUTC());
    identity.renew();
    return identity;
  }

  public MeshIdentity config() {
    return config;
  }

  /** The current certificate, or null until the first one arrives. */
  public WorkloadCert current() {
    return current;
  }

  /** Completes with the first certificate (never fails: a failing CA is retried). */
  public Future<WorkloadCert> ready() {
    return first.future();
  }

  /** The SPIFFE id (known once the first request was made; "" before). */
  public String spiffeId() {
    WorkloadCert c = current;
    return c != null ? c.spiffeId() : spiffeId;
  }

  /** Called with each new certificate (on a worker thread); returns what stops the calls. */
  public Runnable onRotate(Consumer<WorkloadCert> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return () -> listeners.remove(listener);
  }

  /** Presents the current certificate (client and server side). */
  public X509ExtendedKeyManager keyManager() {
    return new MeshKeyManager(this);
  }

  /**
   * Verifies peers against the current mesh roots and {@code expectedIds} (SPIFFE ids; empty:
   * any id of the trust domain). {@code peer} names the peer in failures ("upstream reviews").
   */
  public X509ExtendedTrustManager trustManager(Collection<String> expectedIds, String peer) {
    return new MeshTrustManager(this, expectedIds, peer, null);
  }

  /**
   * As {@link #trustManager(Collection, String)}, and with no {@code expectedIds}, each connection's
   * peer must present the id {@code peers} expects of the address connected to, when it expects one,
   * else one of all the ids {@code peers} knows (any id of the trust domain only when it knows none);
   * the id each handshake accepted is reported to {@code peers}.
   */
  public X509ExtendedTrustManager trustManager(Collection<String> expectedIds, String peer, PeerIdentities peers) {
    return new MeshTrustManager(this, expectedIds, peer, peers);
  }

  /**
   * For a mesh upstream while the gateway has no workload identity: refuses every handshake,
   * saying so, rather than refusing the whole config (a DestinationRule may say ISTIO_MUTUAL first).
   */
  public static X509ExtendedTrustManager noIdentity(String peer) {
    return new MeshTrustManager(null, java.util.List.of(), peer, null);
  }

  /** What the admin API and metrics show. */
  public IdentityStatus status() {
    WorkloadCert c = current;
    return new IdentityStatus(spiffeId(), c == null ? (lastError.isEmpty() ? "PENDING" : "FAILING")
        : lastError.isEmpty() ? "READY" : "DEGRADED",
        c == null ? null : c.notBefore(), c == null ? null : c.notAfter(),
        c == null ? "" : c.leaf().getSerialNumber().toString(16),
        c == null ? "" : c.leaf().getIssuerX500Principal().getName(),
        c == null ? 0 : c.generation(), nextAttempt, renewals.get(), failures.get(), lastError);
  }

  WorkloadCert byAlias(String alias) {
    WorkloadCert c = current;
    if (c != null && c.alias().equals(alias)) {
      return c;
    }
    WorkloadCert p = previous;
    return p != null && p.alias().equals(alias) ? p : null;
  }

  private void renew() {
    WorkloadCert held = current;
    long generation = held == null ? 1 : held.generation() + 1;
    issuer.issue(vertx, generation).onComplete(ar -> {
      synchronized (this) {
        if (closed) {
          return;
        }
      }
      if (ar.succeeded()) {
        installed(ar.result());
      } else {
        failed(ar.cause());
      }
    });
    spiffeId = issuer.spiffeId();
  }

  private void installed(WorkloadCert cert) {
    previous = current;
    current = cert;
    spiffeId = cert.spiffeId();
    renewals.incrementAndGet();
    lastError = "";
    synchronized (this) {
      failureStreak = 0;
    }
    Duration life = Duration.between(clock.instant(), cert.notAfter());
    long half = Math.max(life.toMillis() / 2, 1);
    long delay = Math.max(1, (long) (half * (0.95 + ThreadLocalRandom.current().nextDouble() * 0.10)));
    LOG.info(() -> "mesh identity " + cert.spiffeId() + ": certificate " + cert.leaf().getSerialNumber().toString(16)
        + " valid until " + cert.notAfter() + ", renewing in " + delay + "ms");
    schedule(delay);
    for (Consumer<WorkloadCert> l : listeners) {
      try {
        l.accept(cert);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "mesh identity: a rotation listener failed", e);
      }
    }
    first.tryComplete(cert);
  }

  private void failed(Throwable cause) {
    failures.incrementAndGet();
    lastError = String.valueOf(cause.getMessage());
    long delay;
    synchronized (this) {
      long base = Math.min(FIRST_BACKOFF.toMillis() << Math.min(failureStreak, 16), MAX_BACKOFF.toMillis());
      failureStreak++;
      delay = (long) (base * (0.9 + ThreadLocalRandom.current().nextDouble() * 0.2));
    }
    WorkloadCert held = current;
    LOG.warning("mesh identity " + issuer.spiffeId() + ": " + lastError + "; retrying in " + delay + "ms"
        + (held == null ? " (no workload certificate yet: mesh mTLS fails until one arrives)"
        : " (still serving certificate valid until " + held.notAfter() + ")"));
    schedule(delay);
  }

  private synchronized void schedule(long delayMillis) {
    if (closed) {
      return;
    }
    nextAttempt = clock.instant().plusMillis(delayMillis);
    timer = vertx.setTimer(delayMillis, id -> renew());
  }

  /** Stops renewing and closes the CA channel; the current certificate stays readable. */
  @Override public void close() {
    synchronized (this) {
      closed = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }
    issuer.close();
  }
}
