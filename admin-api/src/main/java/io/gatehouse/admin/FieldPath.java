package io.gatehouse.admin;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The field an error line points at in a pretty-printed JSON document (one key per line), such
 * as {@code backends.upstream}: pushed objects are re-printed that way before loading, so a
 * located error names its field.
 */
final class FieldPath {
  private static final Pattern KEY = Pattern.compile("^(\\s*)\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:");

  private record Level(int indent, String key) {}

  private FieldPath() {}

  /** The dotted path of the key on 1-based {@code line}, or empty when that line has none. */
  static String at(String json, int line) {
    String[] lines = json.split("\n", -1);
    if (line < 1 || line > lines.length) {
      return "";
    }
    Deque<Level> stack = new ArrayDeque<>();
    for (int i = 0; i < line; i++) {
      String text = lines[i];
      int indent = text.length() - text.stripLeading().length();
      while (!stack.isEmpty() && stack.peek().indent() >= indent) {
        stack.pop();
      }
      Matcher m = KEY.matcher(text);
      if (m.find()) {
        stack.push(new Level(indent, m.group(2)));
      } else if (i == line - 1) {
        return "";
      }
    }
    StringBuilder out = new StringBuilder();
    stack.descendingIterator().forEachRemaining(l -> out.append(out.length() == 0 ? "" : ".").append(l.key()));
    return out.toString();
  }
}
