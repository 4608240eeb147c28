package io.gatehouse.routes;

import java.time.Duration;

/**
 * What one client connection may cost a listener: head sizes (431, 414 beyond them), how long a
 * request head may take to arrive (408 beyond), how long a request body may stall (408 beyond),
 * how long a connection may sit idle, connections at once, and HTTP/2 streams at once and resets
 * per window (rapid-reset protection).
 * {@link #DEFAULT} holds the production defaults used when the config says nothing.
 */
public record ListenerLimits(DataSize maxHeaderSize, DataSize maxUriLength, Duration headerReadTimeout,
                             Duration idleTimeout, int maxConnections, int http2MaxConcurrentStreams,
                             int http2MaxResets, Duration http2ResetWindow, Duration bodyReadTimeout) {
  public static final ListenerLimits DEFAULT = new ListenerLimits(new DataSize(16 * 1024), new DataSize(8 * 1024),
      Duration.ofSeconds(10), Duration.ofMinutes(5), 10_000, 100, 200, Duration.ofSeconds(30), Duration.ofSeconds(60));
}
