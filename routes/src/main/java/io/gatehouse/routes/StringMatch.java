package io.gatehouse.routes;

/** How one header or query parameter value is matched. */
public sealed interface StringMatch {
  record Exact(String value) implements StringMatch {}
  record Prefix(String value) implements StringMatch {}
  /** The whole value matches the regular expression. */
  record Regex(String pattern) implements StringMatch {}
  /** The header or parameter is there, whatever its value. */
  record Present() implements StringMatch {}
}
