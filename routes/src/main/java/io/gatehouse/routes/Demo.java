package io.gatehouse.routes;

/**
 * The out-of-the-box demo: when {@code echoPort} is above zero the gateway also starts a small
 * echo server on 127.0.0.1 at that port, which the embedded default config routes to.
 */
public record Demo(int echoPort) {
  public static final Demo NONE = new Demo(0);

  public boolean enabled() {
    return echoPort > 0;
  }
}
