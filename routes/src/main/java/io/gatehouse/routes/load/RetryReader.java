package io.gatehouse.routes.load;

import io.gatehouse.routes.RetryPolicy;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Reads a route's {@code retries}. Absent: {@link RetryPolicy#DEFAULT}. {@code on} takes
 * {@code connect-failure}, {@code reset}, {@code 5xx} (500-599), {@code gateway-error}
 * (502, 503, 504) and status codes; without {@code on}, only connect failures are retried.
 */
final class RetryReader {
  private static final Set<String> KEYS = Set.of("attempts", "perTryTimeout", "on", "nonIdempotent");

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
    return new RetryPolicy(attempts, perTry, connect, reset, statuses, r.bool("nonIdempotent", false));
  }
}
