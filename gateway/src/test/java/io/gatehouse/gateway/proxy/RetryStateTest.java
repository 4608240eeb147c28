package io.gatehouse.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gatehouse.gateway.proxy.RetryState.Failure;
import io.gatehouse.routes.RetryPolicy;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The retry decision, table-driven: which failures a policy retries, for which requests, within which budget. */
class RetryStateTest {
  private static final RetryPolicy ALL = new RetryPolicy(2, Duration.ofSeconds(1), true, true, Set.of(503), false);
  private static final RetryPolicy CONNECT_ONLY = RetryPolicy.DEFAULT;
  private static final RetryPolicy ANY_METHOD = new RetryPolicy(2, Duration.ZERO, true, true, Set.of(503), true);

  /** One try's failure and whether it is retried. */
  record Case(String desc, RetryPolicy policy, HttpMethod method, boolean replayable, boolean budget, Failure failure,
              int status, boolean retried) {
    @Override public String toString() {
      return desc;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("a connect failure is retried when the policy says so", CONNECT_ONLY, HttpMethod.POST, false, true,
            Failure.CONNECT_FAILURE, 0, true),
        new Case("a connect failure is not retried when the policy leaves it out",
            new RetryPolicy(2, Duration.ZERO, false, true, Set.of(), false), HttpMethod.GET, true, true,
            Failure.CONNECT_FAILURE, 0, false),
        new Case("a reset of a replayable GET is retried", ALL, HttpMethod.GET, true, true, Failure.RESET, 0, true),
        new Case("a reset is not retried when the policy leaves it out", CONNECT_ONLY, HttpMethod.GET, true, true,
            Failure.RESET, 0, false),
        new Case("a reset of a streamed body is not retried", ALL, HttpMethod.PUT, false, true, Failure.RESET, 0, false),
        new Case("a reset of a POST is not retried", ALL, HttpMethod.POST, true, true, Failure.RESET, 0, false),
        new Case("a reset of a POST is retried when the route allows any method", ANY_METHOD, HttpMethod.POST, true, true,
            Failure.RESET, 0, true),
        new Case("a per-try timeout of a replayable request is retried", ALL, HttpMethod.DELETE, true, true,
            Failure.PER_TRY_TIMEOUT, 0, true),
        new Case("a per-try timeout of a streamed body is not retried", ALL, HttpMethod.GET, false, true,
            Failure.PER_TRY_TIMEOUT, 0, false),
        new Case("a listed status is retried", ALL, HttpMethod.HEAD, true, true, Failure.STATUS, 503, true),
        new Case("an unlisted status is not retried", ALL, HttpMethod.GET, true, true, Failure.STATUS, 502, false),
        new Case("an exhausted budget stops a retry", ALL, HttpMethod.GET, true, false, Failure.RESET, 0, false),
        new Case("an exhausted budget stops even a connect-failure retry", CONNECT_ONLY, HttpMethod.GET, true, false,
            Failure.CONNECT_FAILURE, 0, false),
        new Case("no retries at all", RetryPolicy.NONE, HttpMethod.GET, true, true, Failure.CONNECT_FAILURE, 0, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decides(Case c) {
    RetryState state = state(c.policy(), c.method(), c::budget);
    if (c.replayable()) {
      state.bodyReplayable();
    }
    assertEquals(c.retried(), state.retry(c.failure(), c.status()), c.desc());
  }

  @Test
  void takesNoMoreRetriesThanThePolicyHas() {
    RetryState state = state(ALL, HttpMethod.GET, () -> true);
    state.bodyReplayable();
    assertEquals(List.of(true, true, false), List.of(state.retry(Failure.RESET, 0), state.retry(Failure.STATUS, 503),
        state.retry(Failure.CONNECT_FAILURE, 0)));
    assertEquals(0, state.retriesLeft());
  }

  @Test
  void aBackoffMustEndBeforeTheRouteTimeout() {
    RetryState state = state(ALL, HttpMethod.GET, () -> true);
    state.bodyReplayable();
    assertEquals(false, state.take(-1, Long.MAX_VALUE), "a Retry-After too far is no retry");
    assertEquals(false, state.take(100, 100_000_000), "a 100 ms backoff does not fit in 100 ms");
    assertEquals(2, state.retriesLeft(), "a refused retry takes none");
    assertEquals(true, state.take(99, 100_000_000));
    assertEquals(1, state.retriesLeft());
  }

  @Test
  void asksTheBudgetOnlyForARetryEverythingElseAllows() {
    AtomicInteger asked = new AtomicInteger();
    RetryState state = state(ALL, HttpMethod.POST, () -> asked.incrementAndGet() > 0);
    state.bodyReplayable();
    assertEquals(false, state.retry(Failure.RESET, 0)); // a POST cannot be sent again
    assertEquals(0, asked.get());
    assertEquals(true, state.retry(Failure.CONNECT_FAILURE, 0));
    assertEquals(1, asked.get());
  }

  @Test
  void buffersABodyOnlyWhenAFailureAfterSendingCanBeRetried() {
    assertEquals(true, state(ALL, HttpMethod.GET, () -> true).wantsReplay());
    assertEquals(false, state(CONNECT_ONLY, HttpMethod.GET, () -> true).wantsReplay(), "connect failures send nothing");
    assertEquals(false, state(ALL, HttpMethod.POST, () -> true).wantsReplay(), "a POST is not sent twice");
    assertEquals(true, state(ANY_METHOD, HttpMethod.POST, () -> true).wantsReplay());
    assertEquals(true, state(new RetryPolicy(1, Duration.ofMillis(200), false, false, Set.of(), false),
        HttpMethod.GET, () -> true).wantsReplay(), "a per-try timeout retries after sending");
    assertEquals(false, state(RetryPolicy.NONE, HttpMethod.GET, () -> true).wantsReplay());
  }

  private static RetryState state(RetryPolicy policy, HttpMethod method, BooleanSupplier budget) {
    return new RetryState(policy, RetryState.statuses(policy), method, budget);
  }
}
