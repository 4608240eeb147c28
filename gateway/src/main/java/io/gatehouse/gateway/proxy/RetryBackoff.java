package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.upstream.UpstreamClient;
import io.gatehouse.routes.RetryPolicy;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * The waits between the tries of one {@link UpstreamCall}: Envoy's fully jittered exponential
 * backoff (the n-th retry waits the policy's {@code min}, zero as in Envoy unless set, plus a random
 * time below min(base × 2^(n-1), max)), or what an upstream
 * asks for with {@code Retry-After} on a 503 or 429, up to the policy's {@code maxRetryAfter}.
 * The wait is a Vert.x timer, never a blocked event loop; while it runs, the retry holds a slot of
 * the upstream's retry budget, and {@link #cancel()} (the call finished: the client left, the
 * route timed out) stops it and gives the slot back. Used on the call's event loop only.
 */
final class RetryBackoff {
  /** No retry: the upstream asked for a longer wait than the policy allows. */
  static final long REFUSED = -1;

  private final Vertx vertx;
  private final UpstreamClient upstream;
  private final RetryPolicy.Backoff policy;
  private final Clock clock;
  private final LongUnaryOperator random;
  private int retries;
  private long timer = -1;

  RetryBackoff(Vertx vertx, UpstreamClient upstream, RetryPolicy.Backoff policy) {
    this(vertx, upstream, policy, Clock.systemUTC(), bound -> ThreadLocalRandom.current().nextLong(bound));
  }

  RetryBackoff(Vertx vertx, UpstreamClient upstream, RetryPolicy.Backoff policy, Clock clock, LongUnaryOperator random) {
    this.vertx = vertx;
    this.upstream = upstream;
    this.policy = policy;
    this.clock = clock;
    this.random = random;
  }

  /** The jittered wait before the next retry, in milliseconds. */
  long next() {
    return jittered(policy, ++retries, random);
  }

  /**
   * The wait before retrying {@code status}: the upstream's {@code Retry-After} on a 503 or 429
   * when it has one the policy honours, else {@link #next()}. {@link #REFUSED} when it asks for
   * more than {@code maxRetryAfter}: the upstream said when to come back, and that is later than
   * the route will hold the request, so its answer goes to the client.
   */
  long after(int status, MultiMap headers) {
    if ((status == 503 || status == 429) && !policy.maxRetryAfter().isZero()) {
      OptionalLong asked = retryAfterMillis(headers.get(HttpHeaders.RETRY_AFTER), clock);
      if (asked.isPresent()) {
        retries++;
        return asked.getAsLong() <= policy.maxRetryAfter().toMillis() ? asked.getAsLong() : REFUSED;
      }
    }
    return next();
  }

  /** Runs {@code retry} after {@code delayMillis} (at once when zero), holding a retry-budget slot meanwhile. */
  void schedule(long delayMillis, Runnable retry) {
    if (delayMillis <= 0) {
      retry.run();
      return;
    }
    upstream.retryWaiting();
    timer = vertx.setTimer(delayMillis, id -> {
      timer = -1;
      upstream.retryWaited();
      retry.run();
    });
  }

  /** Stops a wait in progress, if any; its retry never starts. */
  void cancel() {
    if (timer >= 0 && vertx.cancelTimer(timer)) {
      upstream.retryWaited();
    }
    timer = -1;
  }

  /**
   * {@code min} plus a random wait in [0, min(base × 2^(retry-1), max)) milliseconds; {@code random}
   * answers in [0, bound).
   */
  static long jittered(RetryPolicy.Backoff policy, int retry, LongUnaryOperator random) {
    long base = policy.base().toMillis();
    long max = policy.max().toMillis();
    long bound = base;
    for (int i = 1; i < retry && bound < max; i++) {
      bound *= 2;
    }
    bound = Math.min(bound, max);
    return policy.min().toMillis() + (bound <= 0 ? 0 : random.applyAsLong(bound));
  }

  /**
   * {@code Retry-After} (RFC 9110 §10.2.3) in milliseconds from now: delay-seconds or an
   * HTTP-date (a date in the past is zero). Empty when absent or not understood; then the
   * backoff applies.
   */
  static OptionalLong retryAfterMillis(String value, Clock clock) {
    if (value == null || value.isBlank()) {
      return OptionalLong.empty();
    }
    String text = value.trim();
    if (text.chars().allMatch(Character::isDigit)) {
      // Long enough for any wait that a route would hold; longer values are refused anyway.
      return text.length() > 9 ? OptionalLong.of(Long.MAX_VALUE) : OptionalLong.of(Long.parseLong(text) * 1000);
    }
    try {
      ZonedDateTime at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
      return OptionalLong.of(Math.max(0, Duration.between(clock.instant(), at.toInstant()).toMillis()));
    } catch (DateTimeParseException e) {
      return OptionalLong.empty();
    }
  }
}
