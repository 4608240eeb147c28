package io.gatehouse.routes;

/** Copies {@code percent} (0..100) of a route's requests to {@code upstream}, fire and forget. {@link #NONE}: none. */
public record Mirror(String upstream, double percent) {
  public static final Mirror NONE = new Mirror("", 0);

  /** The share of requests mirrored when {@code percent} is left out: all of them. */
  public static final double DEFAULT_PERCENT = 100;

  public boolean enabled() {
    return !upstream.isEmpty() && percent > 0;
  }
}
