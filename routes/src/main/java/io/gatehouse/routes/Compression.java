package io.gatehouse.routes;

import java.util.List;

/**
 * Response compression for a route: the encodings the gateway may use, in its order of
 * preference ({@code br}, {@code zstd}, {@code gzip}), for responses of at least {@code minSize}
 * (when their length is known) whose media type matches one of {@code contentTypes}
 * ({@code text/*} matches every text type). The client's {@code Accept-Encoding} chooses among
 * them. {@link #NONE} (no algorithms) compresses nothing. A route whose compression is
 * {@link #INHERIT} (it sets none) takes its listener's; a listener's default is {@link #NONE}.
 */
public record Compression(List<String> algorithms, DataSize minSize, List<String> contentTypes, boolean inherit) {
  /** The encodings this build can write, in the default order of preference. */
  public static final List<String> SUPPORTED = List.of("br", "zstd", "gzip");
  /** Traefik's threshold: below 1 KiB compression saves little and costs a frame. */
  public static final DataSize MIN_SIZE = new DataSize(1024);
  /** Text, JSON, JavaScript, XML and SVG: what compresses well (Envoy's list, by family). */
  public static final List<String> CONTENT_TYPES = List.of("text/*", "application/json", "application/javascript",
      "application/xml", "application/xhtml+xml", "image/svg+xml", "application/*+json", "application/*+xml");
  public static final Compression NONE = new Compression(List.of(), MIN_SIZE, CONTENT_TYPES);
  /** A route's when it sets none: the listener's applies (see {@link #or}). */
  public static final Compression INHERIT = new Compression(List.of(), MIN_SIZE, CONTENT_TYPES, true);

  public Compression {
    algorithms = List.copyOf(algorithms);
    contentTypes = List.copyOf(contentTypes);
    if (inherit && !algorithms.isEmpty()) {
      throw new IllegalArgumentException("a compression that inherits names no algorithms");
    }
  }

  /** Compression set here (on or off), not inherited. */
  public Compression(List<String> algorithms, DataSize minSize, List<String> contentTypes) {
    this(algorithms, minSize, contentTypes, false);
  }

  /** This, or {@code listenerDefault} when this is {@link #INHERIT}: the route's own setting wins. */
  public Compression or(Compression listenerDefault) {
    return inherit ? listenerDefault : this;
  }

  public boolean enabled() {
    return !algorithms.isEmpty();
  }
}
