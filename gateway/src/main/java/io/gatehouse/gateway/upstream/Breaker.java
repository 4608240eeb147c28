package io.gatehouse.gateway.upstream;

import io.gatehouse.routes.CircuitBreaker;
import io.gatehouse.routes.RetryBudget;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream's circuit breaker and retry budget: counts tries in flight (from admission to
 * end, waiting for a connection included), tries waiting for a connection, and retries in
 * flight, across every event loop. A try over {@code maxRequests} or {@code maxPendingRequests}
 * is refused at once; a retry is allowed while retries in flight (and retries waiting out their
 * backoff) stay under max({@code minRetries}, {@code percent} % of tries in flight), as Envoy's
 * retry budget, which also holds a retry's slot from the decision through its backoff.
 */
final class Breaker {
  private final CircuitBreaker limits;
  private final RetryBudget budget;
  private final UpstreamMeters meters;
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger pending = new AtomicInteger();
  final AtomicInteger retries = new AtomicInteger();
  final AtomicInteger waiting = new AtomicInteger();

  Breaker(CircuitBreaker limits, RetryBudget budget, UpstreamMeters meters) {
    this.limits = limits;
    this.budget = budget;
    this.meters = meters;
  }

  /** Takes a slot for one try (and a retry slot when it is one); false, counted as overflow, when full. */
  boolean admit(boolean retry) {
    if (requests.incrementAndGet() > limits.maxRequests()) {
      requests.decrementAndGet();
      meters.overflowed(false);
      return false;
    }
    if (pending.incrementAndGet() > limits.maxPendingRequests()) {
      pending.decrementAndGet();
      requests.decrementAndGet();
      meters.overflowed(true);
      return false;
    }
    if (retry) {
      retries.incrementAndGet();
      meters.retried();
    }
    return true;
  }

  /** Whether one more retry fits the budget now; counts the refusal when it does not. */
  boolean retryAllowed() {
    long allowed = Math.max(budget.minRetries(), (long) requests.get() * budget.percent() / 100);
    if (retries.get() + waiting.get() < allowed) {
      return true;
    }
    meters.budgetExhausted();
    return false;
  }
}
