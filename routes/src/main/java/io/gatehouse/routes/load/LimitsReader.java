package io.gatehouse.routes.load;

import io.gatehouse.routes.DataSize;
import io.gatehouse.routes.ListenerLimits;
import java.time.Duration;
import java.util.Set;

/** Reads a listener's {@code limits}; every key left out keeps its {@link ListenerLimits#DEFAULT}. */
final class LimitsReader {
  static final Set<String> KEYS = Set.of("maxHeaderSize", "maxUriLength", "headerReadTimeout", "idleTimeout",
      "maxConnections", "http2MaxConcurrentStreams", "http2MaxResets", "http2ResetWindow", "bodyReadTimeout");

  private LimitsReader() {}

  static ListenerLimits read(Fields l) {
    ListenerLimits d = ListenerLimits.DEFAULT;
    DataSize header = atLeast(l, "maxHeaderSize", l.size("maxHeaderSize", d.maxHeaderSize()), 1024);
    DataSize uri = atLeast(l, "maxUriLength", l.size("maxUriLength", d.maxUriLength()), 256);
    return new ListenerLimits(header, uri,
        positive(l, "headerReadTimeout", l.timeout("headerReadTimeout", d.headerReadTimeout())),
        positive(l, "idleTimeout", l.timeout("idleTimeout", d.idleTimeout())),
        l.integer("maxConnections", d.maxConnections(), 1, 10_000_000),
        l.integer("http2MaxConcurrentStreams", d.http2MaxConcurrentStreams(), 1, 100_000),
        l.integer("http2MaxResets", d.http2MaxResets(), 1, 1_000_000),
        positive(l, "http2ResetWindow", l.timeout("http2ResetWindow", d.http2ResetWindow())),
        positive(l, "bodyReadTimeout", l.timeout("bodyReadTimeout", d.bodyReadTimeout())));
  }

  private static DataSize atLeast(Fields l, String key, DataSize size, long min) {
    if (size.bytes() < min || size.bytes() > Integer.MAX_VALUE) {
      l.problems().add(l.origin(key), l.what() + "." + key + ": " + size.bytes() + " bytes is out of range (expected "
          + min + "B..2GiB)");
      return new DataSize(min);
    }
    return size;
  }

  private static Duration positive(Fields l, String key, Duration value) {
    if (value.isZero()) {
      l.problems().add(l.origin(key), l.what() + "." + key + " must be more than 0");
    }
    return value;
  }
}
