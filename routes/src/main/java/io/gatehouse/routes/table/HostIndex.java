package io.gatehouse.routes.table;

import java.util.Map;

/**
 * A read-only open-addressing map from lowercase host names (or {@code .suffix}es) to values,
 * looked up by a region of a Host header as received: ASCII case is folded while hashing and
 * comparing, so a lookup copies nothing (a {@code HashMap} would need a lowercased substring).
 */
public final class HostIndex<V> {
  private final String[] keys;
  private final Object[] values;
  private final int mask;

  public HostIndex(Map<String, V> entries) {
    // A power of two at least twice the size: the load stays at or under 0.5, so probes are short.
    int capacity = Integer.highestOneBit(Math.max(2, entries.size() * 2) - 1) << 1;
    keys = new String[capacity];
    values = new Object[capacity];
    mask = capacity - 1;
    entries.forEach((key, value) -> {
      int i = hash(key, 0, key.length()) & mask;
      while (keys[i] != null) {
        i = (i + 1) & mask;
      }
      keys[i] = key;
      values[i] = value;
    });
  }

  /** The value for {@code host[from, to)}, compared ignoring ASCII case; null if there is none. */
  @SuppressWarnings("unchecked")
  public V get(String host, int from, int to) {
    int i = hash(host, from, to) & mask;
    for (String key; (key = keys[i]) != null; i = (i + 1) & mask) {
      if (sameFolded(key, host, from, to)) {
        return (V) values[i];
      }
    }
    return null;
  }

  private static int hash(String s, int from, int to) {
    int h = 0;
    for (int i = from; i < to; i++) {
      h = 31 * h + lower(s.charAt(i));
    }
    return h ^ (h >>> 16);
  }

  private static boolean sameFolded(String key, String host, int from, int to) {
    if (key.length() != to - from) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      if (key.charAt(i) != lower(host.charAt(from + i))) {
        return false;
      }
    }
    return true;
  }

  private static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
  }
}
