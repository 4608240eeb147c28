package io.gatehouse.gateway.proxy;

import io.gatehouse.routes.RetryPolicy;
import io.vertx.core.http.HttpMethod;
import java.util.BitSet;
import java.util.function.BooleanSupplier;

/**
 * The retry decision of one forwarded request, apart from the I/O that {@link UpstreamCall} does:
 * how many retries the route's policy has left, which failures it retries, whether the request can
 * be sent again, and the upstream's retry budget at the moment of each retry.
 *
 * <p>A connect failure is always safe to retry (nothing was sent). A reset, a per-try timeout or a
 * retriable status is retried only if the request can be sent again: it has no body, or a body
 * that was buffered, and an idempotent method (unless the route allows others). The budget is
 * asked last, only for a retry that everything else allows.
 */
final class RetryState {
  /** What went wrong with a try. */
  enum Failure {
    /** No connection: nothing was sent. */
    CONNECT_FAILURE,
    /** The stream or connection was reset before the response head. */
    RESET,
    /** No response head within the per-try timeout. */
    PER_TRY_TIMEOUT,
    /** A response head whose status the policy lists. */
    STATUS
  }

  private final RetryPolicy policy;
  /** The policy's statuses as a look-up by code ({@link #statuses}, once per route). */
  private final BitSet statuses;
  private final boolean idempotent;
  private final BooleanSupplier budget;
  private int retriesLeft;
  private boolean replayable;

  /**
   * {@code statuses}: {@link #statuses(RetryPolicy) the policy's}; {@code budget}: whether the
   * upstream's retry budget allows one more retry now.
   */
  RetryState(RetryPolicy policy, BitSet statuses, HttpMethod method, BooleanSupplier budget) {
    this.policy = policy;
    this.statuses = statuses;
    this.idempotent = policy.nonIdempotent() || isIdempotent(method);
    this.budget = budget;
    this.retriesLeft = policy.attempts();
  }

  /**
   * The statuses {@code policy} retries, by code: made once per route, so that deciding on a
   * response boxes no {@code Integer} (a set of them would need one per status over 127).
   */
  static BitSet statuses(RetryPolicy policy) {
    BitSet codes = new BitSet();
    for (int status : policy.onStatuses()) {
      if (status >= 0) { // a response's status never is below 0
        codes.set(status);
      }
    }
    return codes;
  }

  /**
   * Whether a body should be buffered (when small enough) so that it can be sent again: the
   * policy retries failures that happen after sending, and the method may be sent twice.
   */
  boolean wantsReplay() {
    boolean afterSend = policy.onReset() || !policy.onStatuses().isEmpty() || policy.perTryTimeout().toMillis() > 0;
    return policy.attempts() > 0 && afterSend && idempotent;
  }

  /** Tells the state that the request can be sent again as it is (it has no body, or its body is buffered). */
  void bodyReplayable() {
    this.replayable = true;
  }

  /** The per-try timeout in milliseconds, 0 for none. */
  long perTryTimeoutMillis() {
    return policy.perTryTimeout().toMillis();
  }

  /** Whether the policy retries a try that ended in {@code failure} ({@code status} for STATUS), the request allowing. */
  boolean retriable(Failure failure, int status) {
    return switch (failure) {
      case CONNECT_FAILURE -> policy.onConnectFailure();
      case RESET -> policy.onReset() && canResend();
      case PER_TRY_TIMEOUT -> canResend();
      case STATUS -> status >= 0 && statuses.get(status) && canResend();
    };
  }

  /**
   * Takes one retry made after {@code delayMillis} of backoff, if the policy has one left, the
   * delay is not negative (a Retry-After too far) and ends within {@code nanosLeft} of the route
   * timeout, and the upstream's budget allows it now (asked last).
   */
  boolean take(long delayMillis, long nanosLeft) {
    if (retriesLeft <= 0 || delayMillis < 0 || delayMillis * 1_000_000 >= nanosLeft || !budget.getAsBoolean()) {
      return false;
    }
    retriesLeft--;
    return true;
  }

  /**
   * Like {@link #take} without asking the budget: for a retry of a try that never reached a live
   * upstream (a connect failure, a pooled connection closed before the request was read), which
   * added no load that the budget guards against.
   */
  boolean takeUnsent(long delayMillis, long nanosLeft) {
    if (retriesLeft <= 0 || delayMillis < 0 || delayMillis * 1_000_000 >= nanosLeft) {
      return false;
    }
    retriesLeft--;
    return true;
  }

  /** {@link #retriable} then {@link #take} without backoff or deadline: the decision alone. */
  boolean retry(Failure failure, int status) {
    return retriable(failure, status) && take(0, Long.MAX_VALUE);
  }

  int retriesLeft() {
    return retriesLeft;
  }

  private boolean canResend() {
    return replayable && idempotent;
  }

  static boolean isIdempotent(HttpMethod method) {
    return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
        || method == HttpMethod.TRACE || method == HttpMethod.PUT || method == HttpMethod.DELETE;
  }
}
