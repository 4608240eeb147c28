package io.gatehouse.certs.mesh;

import java.time.Instant;

/**
 * The workload identity as the admin API and metrics show it (never the key). {@code state} is
 * PENDING (no answer yet), READY, DEGRADED (serving a certificate while renewals fail) or FAILING
 * (no certificate and the CA fails); {@code lastError} is "" when the last attempt succeeded.
 */
public record IdentityStatus(String spiffeId, String state, Instant notBefore, Instant notAfter, String serial,
                             String issuer, long generation, Instant nextAttempt, long renewals, long failures,
                             String lastError) {}
