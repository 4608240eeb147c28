package io.gatehouse.routes;

import java.time.Duration;

/**
 * A route's token bucket: {@code requestsPerSecond} refill, {@code burst} capacity, one bucket per
 * {@link Key}. Local to each replica unless {@code global} names a Redis shared by all replicas.
 * {@link #NONE} (zero rate) limits nothing.
 */
public record RateLimit(double requestsPerSecond, int burst, Key key, Global global) {
  public static final RateLimit NONE = new RateLimit(0, 0, new Key.Route(), Global.NONE);

  /** What a bucket is kept per when {@code key} is left out: the client address. */
  public static final Key DEFAULT_KEY = new Key.Client();

  /** What a bucket is kept per: the client address, a request header's value, or the whole route. */
  public sealed interface Key {
    record Client() implements Key {}

    /** Requests without the header share one bucket. {@code name} is lowercase. */
    record Header(String name) implements Key {}

    record Route() implements Key {}
  }

  /**
   * A limit shared by every replica through the Redis at {@code redis} ({@code redis://host:port}).
   * When Redis does not answer within {@code timeout}, requests are let through ({@code failOpen})
   * or refused. {@link #NONE}: the limit is local.
   */
  public record Global(String redis, boolean failOpen, Duration timeout) {
    public static final Global NONE = new Global("", true, Duration.ZERO);

    /** How long a request waits for Redis when {@code timeout} is left out. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);

    /** Whether requests go through when Redis does not answer, when {@code failOpen} is left out. */
    public static final boolean DEFAULT_FAIL_OPEN = true;

    public boolean enabled() {
      return !redis.isEmpty();
    }
  }

  public boolean enabled() {
    return requestsPerSecond > 0;
  }
}
