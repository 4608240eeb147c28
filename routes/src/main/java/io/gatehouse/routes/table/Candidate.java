package io.gatehouse.routes.table;

import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.StringMatch;
import java.util.Map;
import com.google.re2j.Pattern;

/**
 * One compiled match entry of a route and what it leads to. Regexes are compiled here, once, with
 * RE2/J: matching takes time linear in the input, so no pattern can stall an event loop.
 */
final class Candidate<T> {
  private static final String[] NO_NAMES = new String[0];

  private final int pathKind; // 0 exact, 1 prefix, 2 regex
  private final String path;
  private final Pattern pathRegex;
  /** Literal text every path the regex matches starts with ("" when none): a cheap test before the regex. */
  private final String regexPrefix;
  private final String[] methods;
  private final String[] headerNames;
  private final ValueMatch[] headerMatches;
  private final String[] queryNames;
  private final ValueMatch[] queryMatches;
  final T value;

  Candidate(RequestMatch match, T value) {
    this.value = value;
    PathMatch p = match.path();
    if (p instanceof PathMatch.Exact e) {
      pathKind = 0;
      path = e.path();
      pathRegex = null;
      regexPrefix = "";
    } else if (p instanceof PathMatch.Prefix pre) {
      pathKind = 1;
      path = pre.prefix();
      pathRegex = null;
      regexPrefix = "";
    } else {
      pathKind = 2;
      path = null;
      String pattern = ((PathMatch.Regex) p).pattern();
      pathRegex = Pattern.compile(pattern);
      regexPrefix = literalPrefix(pattern);
    }
    methods = match.methods().toArray(NO_NAMES);
    headerNames = match.headers().keySet().toArray(NO_NAMES);
    headerMatches = compile(match.headers(), headerNames);
    queryNames = match.query().keySet().toArray(NO_NAMES);
    queryMatches = compile(match.query(), queryNames);
  }

  /**
   * The literal characters a whole-input match of {@code regex} must start with: those before the
   * first metacharacter, less the last one if a quantifier follows it ({@code "/ab*"} gives
   * {@code "/a"}); a leading {@code ^} is skipped. Empty when the pattern starts with anything
   * else or has a top-level alternation ({@code "/a|/b"}), so it never rejects a path the regex takes.
   */
  static String literalPrefix(String regex) {
    int start = regex.startsWith("^") ? 1 : 0;
    int end = start;
    while (end < regex.length() && "\\.[](){}*+?^$|".indexOf(regex.charAt(end)) < 0) {
      end++;
    }
    if (end < regex.length() && "*+?{".indexOf(regex.charAt(end)) >= 0 && end > start) {
      end--; // the quantifier applies to the last literal, which may then be absent or repeated
    }
    // \Q...\E quotes metacharacters, which the alternation scan would misread: no prefix then.
    return regex.contains("\\Q") || hasTopLevelAlternation(regex) ? "" : regex.substring(start, end);
  }

  private static boolean hasTopLevelAlternation(String regex) {
    int depth = 0;
    boolean inClass = false;
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i++; // an escaped character is a literal
      } else if (inClass) {
        inClass = c != ']';
      } else if (c == '[') {
        inClass = true;
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == '|' && depth == 0) {
        return true;
      }
    }
    return false;
  }

  boolean matches(RequestView request) {
    String requestPath = request.path();
    if (requestPath == null) {
      return false;
    }
    boolean pathOk = switch (pathKind) {
      case 0 -> requestPath.equals(path);
      case 1 -> requestPath.startsWith(path);
      default -> requestPath.startsWith(regexPrefix) && pathRegex.matches(requestPath);
    };
    if (!pathOk || !methodOk(request.method())) {
      return false;
    }
    for (int i = 0; i < headerNames.length; i++) {
      if (!headerMatches[i].test(request.header(headerNames[i]))) {
        return false;
      }
    }
    for (int i = 0; i < queryNames.length; i++) {
      if (!queryMatches[i].test(request.query(queryNames[i]))) {
        return false;
      }
    }
    return true;
  }

  private boolean methodOk(String method) {
    if (methods.length == 0) {
      return true;
    }
    for (String m : methods) {
      if (m.equals(method)) {
        return true;
      }
    }
    return false;
  }

  private static ValueMatch[] compile(Map<String, StringMatch> matches, String[] names) {
    ValueMatch[] out = new ValueMatch[names.length];
    for (int i = 0; i < names.length; i++) {
      out[i] = ValueMatch.of(matches.get(names[i]));
    }
    return out;
  }

  /** A compiled {@link StringMatch}; a missing value (null) matches nothing. */
  @FunctionalInterface
  interface ValueMatch {
    boolean test(String value);

    static ValueMatch of(StringMatch match) {
      if (match instanceof StringMatch.Exact e) {
        return v -> v != null && v.equals(e.value());
      }
      if (match instanceof StringMatch.Prefix p) {
        return v -> v != null && v.startsWith(p.value());
      }
      if (match instanceof StringMatch.Regex r) {
        Pattern pattern = Pattern.compile(r.pattern());
        return v -> v != null && pattern.matches(v);
      }
      return v -> v != null;
    }
  }
}
