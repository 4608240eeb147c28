package io.gatehouse.routes.load;

import io.gatehouse.routes.HeaderOps;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads a route's {@code headers: {request: {set, add, remove}, response: {...}}}. Names are lowercased. */
final class HeaderReader {
  private static final Set<String> KEYS = Set.of("set", "add", "remove");
  private static final Pattern NAME = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");
  /** Headers the gateway owns on the wire: editing them would break framing or the connection. */
  private static final Set<String> PROTECTED = Set.of("content-length", "transfer-encoding", "connection", "upgrade",
      "keep-alive", "te", "trailer");

  private HeaderReader() {}

  static HeaderOps read(Fields f) {
    return new HeaderOps(edits(f, "request"), edits(f, "response"));
  }

  private static HeaderOps.Edits edits(Fields f, String side) {
    return f.nested(side, f.what() + " " + side, KEYS).map(e -> new HeaderOps.Edits(
        names(e, "set", e.stringMap("set")), names(e, "add", e.stringMap("add")),
        names(e, "remove", e.strings("remove")))).orElse(HeaderOps.Edits.NONE);
  }

  private static Map<String, String> names(Fields e, String key, Map<String, String> raw) {
    Map<String, String> out = new LinkedHashMap<>();
    raw.forEach((name, value) -> {
      String lower = check(e, key, name);
      if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
        e.problems().add(e.origin(key), e.what() + "." + key + "." + name + ": a header value cannot contain a line break");
      }
      out.put(lower, value);
    });
    return out;
  }

  private static List<String> names(Fields e, String key, List<String> raw) {
    return raw.stream().map(name -> check(e, key, name)).toList();
  }

  private static String check(Fields e, String key, String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (!NAME.matcher(lower).matches()) {
      e.problems().add(e.origin(key), e.what() + "." + key + ": " + Fields.quote(name) + " is not a header name");
    } else if (PROTECTED.contains(lower)) {
      e.problems().add(e.origin(key), e.what() + "." + key + ": " + Fields.quote(name) + " is managed by the gateway and cannot be edited");
    }
    return lower;
  }
}
