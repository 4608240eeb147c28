package io.gatehouse.gateway.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An upstream's endpoints and the ones the balancer may pick now: healthy and not ejected. The
 * available list is computed once per change (a health transition, an ejection) or when the
 * earliest ejection expires, then shared by every event loop. When no endpoint is available,
 * all of them are (Envoy's panic mode at 0 %), so bookkeeping alone never refuses traffic.
 */
final class EndpointSet {
  /** The endpoints to balance over at a moment, and until when that holds without a change. */
  record Candidates(EndpointState[] up, boolean panic, long generation, long recheckAtNanos) {}

  private static final long NEVER_NANOS = Long.MAX_VALUE / 4;

  private final EndpointState[] all;
  private final AtomicLong generation = new AtomicLong();
  private volatile Candidates candidates;

  EndpointSet(EndpointState[] all) {
    this.all = all;
  }

  EndpointState[] all() {
    return all;
  }

  /** Health or ejection changed: the next pick recomputes the available endpoints. */
  void changed() {
    generation.incrementAndGet();
  }

  Candidates candidates(long nowNanos) {
    Candidates c = candidates;
    long g = generation.get();
    if (c != null && c.generation() == g && nowNanos - c.recheckAtNanos() < 0) {
      return c;
    }
    c = compute(nowNanos, g);
    candidates = c;
    return c;
  }

  /** Reads the generation before the states, so a change made meanwhile makes the result stale. */
  private Candidates compute(long nowNanos, long g) {
    List<EndpointState> up = new ArrayList<>(all.length);
    long recheckAt = nowNanos + NEVER_NANOS;
    for (EndpointState e : all) {
      if (e.ejected(nowNanos) && e.ejectedUntilNanos() - recheckAt < 0) {
        recheckAt = e.ejectedUntilNanos();
      }
      if (e.available(nowNanos)) {
        up.add(e);
      }
    }
    boolean panic = up.isEmpty();
    return new Candidates(panic ? all : up.toArray(EndpointState[]::new), panic, g, recheckAt);
  }
}
