package io.gatehouse.routes;

/** How the request is changed on its way upstream: its path, and its Host (empty keeps it). */
public record Rewrite(PathRewrite path, String host) {
  public static final Rewrite NONE = new Rewrite(new PathRewrite.Keep(), "");

  /** How the path is rewritten. */
  public sealed interface PathRewrite {
    /** The path goes upstream as it came. */
    record Keep() implements PathRewrite {}
    /** The part of the path that the route's prefix match matched is replaced by {@code replacement}. */
    record Prefix(String replacement) implements PathRewrite {}
    /** Every match of {@code pattern} in the path is replaced by {@code substitution} ({@code \1} groups). */
    record Regex(String pattern, String substitution) implements PathRewrite {}
  }
}
