package io.gatehouse.routes.auth;

import java.util.List;
import java.util.Locale;

/**
 * Istio's string match forms, used by every string field of an authorization policy: {@code *}
 * matches any non-empty value, {@code prefix*} a prefix, {@code *suffix} a suffix, anything else
 * the exact value.
 */
record StringForm(Kind kind, String text, boolean ignoreCase) {
  enum Kind { PRESENT, PREFIX, SUFFIX, EXACT }

  static StringForm of(String written, boolean ignoreCase) {
    String t = ignoreCase ? written.toLowerCase(Locale.ROOT) : written;
    if (t.equals("*")) {
      return new StringForm(Kind.PRESENT, "", ignoreCase);
    }
    if (t.endsWith("*")) {
      return new StringForm(Kind.PREFIX, t.substring(0, t.length() - 1), ignoreCase);
    }
    if (t.startsWith("*")) {
      return new StringForm(Kind.SUFFIX, t.substring(1), ignoreCase);
    }
    return new StringForm(Kind.EXACT, t, ignoreCase);
  }

  static List<StringForm> all(List<String> written, boolean ignoreCase) {
    return written.stream().map(w -> of(w, ignoreCase)).toList();
  }

  /** Why {@code written} is not a valid form (a {@code *} inside the value), or null. */
  static String problem(String written) {
    int star = written.indexOf('*');
    if (star < 0 || written.equals("*")) {
      return null;
    }
    boolean edge = star == 0 || star == written.length() - 1;
    return edge && written.indexOf('*', star + 1) < 0 ? null
        : "\"" + written + "\": * is only allowed alone, at the start or at the end";
  }

  boolean matches(String value) {
    if (value == null || value.isEmpty()) {
      return false;
    }
    String v = ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
    return switch (kind) {
      case PRESENT -> true;
      case PREFIX -> v.startsWith(text);
      case SUFFIX -> v.endsWith(text);
      case EXACT -> v.equals(text);
    };
  }

  static boolean any(List<StringForm> forms, String value) {
    for (StringForm f : forms) {
      if (f.matches(value)) {
        return true;
      }
    }
    return false;
  }

  static boolean anyOf(List<StringForm> forms, List<String> values) {
    for (String v : values) {
      if (any(forms, v)) {
        return true;
      }
    }
    return false;
  }
}
