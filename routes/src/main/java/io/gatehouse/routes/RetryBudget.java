package io.gatehouse.routes;

/**
 * How many retries may be in flight to an upstream at once, as Envoy's {@code retry_budget}: at
 * most {@code percent} % of the requests active on it (in flight and pending), and never fewer
 * than {@code minRetries}. A retry over the budget is not made; the failure it would have retried
 * is answered instead. Every upstream has one; {@link #DEFAULT} is Envoy's (20 %, 3).
 */
public record RetryBudget(int percent, int minRetries) {
  public static final RetryBudget DEFAULT = new RetryBudget(20, 3);
}
