package io.gatehouse.routes;

/** A located problem in config, printed as {@code FILE:LINE: message}. */
public record ConfigError(Origin origin, String message) {
  @Override public String toString() {
    return origin + ": " + message;
  }
}
