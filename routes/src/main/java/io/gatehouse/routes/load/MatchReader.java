package io.gatehouse.routes.load;

import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.StringMatch;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import com.google.re2j.PatternSyntaxException;

/** Reads one entry of a route's {@code match}: path, methods, headers, query parameters. */
final class MatchReader {
  private static final Set<String> KEYS = Set.of("path", "methods", "headers", "query");
  private static final Set<String> PATH_KINDS = Set.of("exact", "prefix", "regex");
  private static final Set<String> STRING_KINDS = Set.of("exact", "prefix", "regex", "present");
  private static final Pattern TOKEN = Pattern.compile("[A-Z][A-Z_-]*");
  private static final Pattern HEADER_NAME = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+|:authority|:path|:method|:scheme");

  private final Problems problems;

  MatchReader(Problems problems) {
    this.problems = problems;
  }

  Optional<RequestMatch> read(Node node, String route) {
    return Fields.of(node, "route " + route + " match", problems, KEYS).map(this::match);
  }

  private RequestMatch match(Fields f) {
    PathMatch path = f.nested("path", f.what() + " path", PATH_KINDS).map(this::path).orElse(new PathMatch.Prefix("/"));
    Set<String> methods = new LinkedHashSet<>();
    for (String m : f.strings("methods")) {
      if (TOKEN.matcher(m).matches()) {
        methods.add(m);
      } else {
        problems.add(f.origin("methods"), f.what() + ": method " + Fields.quote(m) + " is not an uppercase HTTP method (e.g. GET, POST)");
      }
    }
    return new RequestMatch(path, methods, strings(f, "headers", true), strings(f, "query", false));
  }

  private PathMatch path(Fields p) {
    List<String> kinds = PATH_KINDS.stream().filter(p::has).sorted().toList();
    if (kinds.size() != 1) {
      problems.add(p.origin(), p.what() + ": expected exactly one of exact, prefix, regex (found " + (kinds.isEmpty() ? "none" : String.join(", ", kinds)) + ")");
      return new PathMatch.Prefix("/");
    }
    String kind = kinds.get(0);
    String value = p.string(kind, "");
    if (kind.equals("regex")) {
      return checkRegex(p, kind, value) ? new PathMatch.Regex(value) : new PathMatch.Prefix("/");
    }
    if (!value.startsWith("/")) {
      problems.add(p.origin(kind), p.what() + "." + kind + ": " + Fields.quote(value) + " must start with /");
    }
    return kind.equals("exact") ? new PathMatch.Exact(value) : new PathMatch.Prefix(value);
  }

  private Map<String, StringMatch> strings(Fields f, String key, boolean headerNames) {
    Map<String, StringMatch> out = new LinkedHashMap<>();
    Node node = f.node(key);
    if (node == null) {
      return out;
    }
    if (!(node instanceof Node.Mapping mapping)) {
      problems.add(node.origin(), f.what() + "." + key + ": expected a mapping of name to {exact|prefix|regex|present}, found " + node.kind());
      return out;
    }
    for (Node.Field field : mapping.fields()) {
      String name = headerNames ? field.key().toLowerCase(Locale.ROOT) : field.key();
      if (headerNames && !HEADER_NAME.matcher(name).matches()) {
        problems.add(field.keyOrigin(), f.what() + ".headers: " + Fields.quote(field.key()) + " is not a header name");
      }
      Fields.of(field.value(), f.what() + " " + key + " " + name, problems, STRING_KINDS)
          .flatMap(this::stringMatch).ifPresent(m -> out.put(name, m));
    }
    return out;
  }

  private Optional<StringMatch> stringMatch(Fields s) {
    List<String> kinds = STRING_KINDS.stream().filter(s::has).sorted().toList();
    if (kinds.size() != 1) {
      problems.add(s.origin(), s.what() + ": expected exactly one of exact, prefix, regex, present (found "
          + (kinds.isEmpty() ? "none" : String.join(", ", kinds)) + ")");
      return Optional.empty();
    }
    String kind = kinds.get(0);
    return switch (kind) {
      case "present" -> {
        if (!s.bool("present", true)) {
          problems.add(s.origin("present"), s.what() + ": present must be true (to match an absent header, use another route first)");
        }
        yield Optional.of(new StringMatch.Present());
      }
      case "regex" -> {
        String value = s.string(kind, "");
        yield checkRegex(s, kind, value) ? Optional.of(new StringMatch.Regex(value)) : Optional.empty();
      }
      case "exact" -> Optional.of(new StringMatch.Exact(s.string(kind, "")));
      default -> Optional.of(new StringMatch.Prefix(s.string(kind, "")));
    };
  }

  /**
   * Compiles {@code regex} with RE2/J, the engine that runs it (RE2 syntax: no backreferences or
   * lookaround), to report a pattern it rejects with its position.
   */
  static boolean checkRegex(Fields f, String key, String regex) {
    try {
      com.google.re2j.Pattern.compile(regex);
      return true;
    } catch (PatternSyntaxException e) {
      f.problems().add(f.origin(key), f.what() + "." + key + ": bad regex " + Fields.quote(regex) + ": "
          + e.getDescription() + " (RE2 syntax)");
      return false;
    }
  }
}
