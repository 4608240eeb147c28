package io.gatehouse.routes.table;

import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.StringMatch;
import java.util.Map;
import java.util.regex.Pattern;

/** One compiled match entry of a route and what it leads to. Regexes are compiled here, once. */
final class Candidate<T> {
  private static final String[] NO_NAMES = new String[0];

  private final int pathKind; // 0 exact, 1 prefix, 2 regex
  private final String path;
  private final Pattern pathRegex;
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
    } else if (p instanceof PathMatch.Prefix pre) {
      pathKind = 1;
      path = pre.prefix();
      pathRegex = null;
    } else {
      pathKind = 2;
      path = null;
      pathRegex = Pattern.compile(((PathMatch.Regex) p).pattern());
    }
    methods = match.methods().toArray(NO_NAMES);
    headerNames = match.headers().keySet().toArray(NO_NAMES);
    headerMatches = compile(match.headers(), headerNames);
    queryNames = match.query().keySet().toArray(NO_NAMES);
    queryMatches = compile(match.query(), queryNames);
  }

  boolean matches(RequestView request) {
    String requestPath = request.path();
    if (requestPath == null) {
      return false;
    }
    boolean pathOk = switch (pathKind) {
      case 0 -> requestPath.equals(path);
      case 1 -> requestPath.startsWith(path);
      default -> pathRegex.matcher(requestPath).matches();
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
        return v -> v != null && pattern.matcher(v).matches();
      }
      return v -> v != null;
    }
  }
}
