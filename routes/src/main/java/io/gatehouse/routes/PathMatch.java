package io.gatehouse.routes;

/** How a request path (without the query string) is matched. Exactly one kind per match. */
public sealed interface PathMatch {
  /** The whole path equals {@code path}. */
  record Exact(String path) implements PathMatch {}
  /** The path starts with {@code prefix} (plain string prefix, as Envoy and Istio do). */
  record Prefix(String prefix) implements PathMatch {}
  /** The whole path matches the regular expression. Kept as text: {@code Pattern} has no equals. */
  record Regex(String pattern) implements PathMatch {}
}
