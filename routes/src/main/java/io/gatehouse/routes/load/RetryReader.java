package io.gatehouse.routes.load;

import io.gatehouse.routes.RetryPolicy;
import io.gatehouse.routes.RetryPolicy.Backoff;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Reads a route's {@code retries}. Absent: {@link RetryPolicy#DEFAULT}. {@code on} takes
 * {@code connect-failure}, {@code reset}, {@code 5xx} (500-599), {@code gateway-error}
 * (502, 503, 504) and status codes; without {@code on}, only connect failures are retried.
 * {@code backoff} ({@code base}, {@code max}, {@code maxRetryAfter}, {@code min}) defaults to
 * {@link Backoff#DEFAULT}; a {@code base} alone sets {@code max} to ten times it, as Envoy does,
 * and {@code min} (the least wait, under the jitter) is zero unless set.
 */
final class RetryReader {
  private static final Set<String> KEYS = Set.of("attempts", "perTryTimeout", "on", "nonIdempotent", "backoff");
  private static final Set<String> BACKOFF_KEYS = Set.of("base", "max", "maxRetryAfter", "min");

  private RetryReader() {}

  static RetryPolicy read(Fields route) {
    return route.nested("retries", route.what() + " retries", KEYS).map(RetryReader::policy).orElse(
        route.has("retries") ? RetryPolicy.NONE : RetryPolicy.DEFAULT);
  }

  private static RetryPolicy policy(Fields r) {
    int attempts = r.integer("attempts", 1, 0, 10);
    Duration perTry = r.duration("perTryTimeout", Duration.ZERO);
    boolean connect = !r.has("on");
    boolean reset = false;
    Set<Integer> statuses = new LinkedHashSet<>();
    for (String on : r.strings("on")) {
      switch (on) {
        case "connect-failure" -> connect = true;
        case "reset" -> reset = true;
        case "5xx" -> {
          for (int s = 500; s < 600; s++) {
            statuses.add(s);
          }
        }
        case "gateway-error" -> statuses.addAll(Set.of(502, 503, 504));
        default -> {
          if (on.matches("[1-5]\\d\\d")) {
            statuses.add(Integer.parseInt(on));
          } else {
            r.problems().add(r.origin("on"), r.what() + ".on: " + Fields.quote(on)
                + " (expected connect-failure, reset, 5xx, gateway-error or a status code)");
          }
        }
      }
    }
    return new RetryPolicy(attempts, perTry, connect, reset, statuses, r.bool("nonIdempotent", false),
        r.nested("backoff", r.what() + ".backoff", BACKOFF_KEYS).map(RetryReader::backoff).orElse(Backoff.DEFAULT));
  }

  private static Backoff backoff(Fields b) {
    Duration base = b.duration("base", Backoff.BASE);
    Duration max = b.duration("max", base.multipliedBy(Backoff.MAX_FACTOR));
    if (base.isZero() && b.has("base")) {
      b.problems().add(b.origin("base"), b.what() + ".base: 0 (expected more than 0; set attempts: 0 for no retries)");
    }
    if (max.compareTo(base) < 0) {
      b.problems().add(b.origin("max"), b.what() + ".max: " + b.string("max", "") + " is less than base "
          + b.string("base", Backoff.BASE.toMillis() + "ms") + " (expected max >= base)");
      max = base;
    }
    return new Backoff(base, max, b.duration("maxRetryAfter", Backoff.MAX_RETRY_AFTER), b.duration("min", Duration.ZERO));
  }
}
