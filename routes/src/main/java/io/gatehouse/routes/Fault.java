package io.gatehouse.routes;

import java.time.Duration;

/**
 * Chaos testing on a route: delay and/or abort a percentage of its requests, optionally only
 * requests that carry {@code header} (empty: every request). {@link #NONE} injects nothing.
 */
public record Fault(Delay delay, Abort abort, String header) {
  public static final Fault NONE = new Fault(Delay.NONE, Abort.NONE, "");

  /** Holds {@code percent} (0..100) of requests for {@code fixed} before they go on. */
  public record Delay(Duration fixed, double percent) {
    public static final Delay NONE = new Delay(Duration.ZERO, 0);
  }

  /** Answers {@code percent} (0..100) of requests with {@code status} instead of forwarding them. */
  public record Abort(int status, double percent) {
    public static final Abort NONE = new Abort(503, 0);
  }

  public boolean isNone() {
    return delay.percent() <= 0 && abort.percent() <= 0;
  }
}
