package io.gatehouse.routes.load;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Rewrite;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads what a route does (backends, redirect, direct response) and how it rewrites the request. */
final class ActionReader {
  private static final Set<String> BACKEND_KEYS = Set.of("upstream", "weight");
  private static final Set<String> REDIRECT_KEYS = Set.of("scheme", "host", "port", "path", "status");
  private static final Set<String> DIRECT_KEYS = Set.of("status", "body");
  private static final Set<Integer> REDIRECT_STATUSES = Set.of(301, 302, 303, 307, 308);
  private static final Set<String> REGEX_KEYS = Set.of("pattern", "substitution");

  private final Problems problems;
  private final Set<String> upstreams;
  private final boolean checkUpstreams;

  /** Without {@code checkUpstreams} backend names are left to the merged-config check. */
  ActionReader(Problems problems, Set<String> upstreams, boolean checkUpstreams) {
    this.problems = problems;
    this.upstreams = upstreams;
    this.checkUpstreams = checkUpstreams;
  }

  Action forward(Fields f, String route) {
    List<Action.Backend> backends = new ArrayList<>();
    long total = 0;
    for (Node node : f.list("backends")) {
      var read = Fields.of(node, "route " + route + " backend", problems, BACKEND_KEYS);
      if (read.isEmpty()) {
        continue;
      }
      Fields b = read.get();
      String upstream = b.required("upstream");
      if (checkUpstreams && !upstream.isEmpty() && !upstreams.contains(upstream)) {
        problems.add(b.origin("upstream"), "upstream " + Fields.quote(upstream) + " is not defined (known: "
            + (upstreams.isEmpty() ? "none" : String.join(", ", upstreams)) + ")");
      }
      int weight = b.integer("weight", 1, 0, 10_000);
      total += weight;
      backends.add(new Action.Backend(upstream, weight));
    }
    if (backends.isEmpty()) {
      problems.add(f.origin("backends"), "route " + Fields.quote(route) + ": \"backends\" needs at least one { upstream: NAME }");
    } else if (total == 0) {
      problems.add(f.origin("backends"), "route " + Fields.quote(route) + ": backend weights add up to 0 (at least one must be > 0)");
    }
    return new Action.Forward(backends);
  }

  Action redirect(Fields f, String route) {
    return f.nested("redirect", "route " + route + " redirect", REDIRECT_KEYS).map(r -> {
      String scheme = r.string("scheme", "");
      if (!scheme.isEmpty() && !scheme.equals("http") && !scheme.equals("https")) {
        problems.add(r.origin("scheme"), r.what() + ".scheme: " + Fields.quote(scheme) + " (expected http or https)");
      }
      String host = Values.normaliseHost(r.string("host", ""));
      if (!host.isEmpty() && !Values.isHostName(host)) {
        problems.add(r.origin("host"), r.what() + ".host: " + Fields.quote(host) + " is not a host name");
      }
      String path = r.string("path", "");
      if (!path.isEmpty() && !path.startsWith("/")) {
        problems.add(r.origin("path"), r.what() + ".path: " + Fields.quote(path) + " must start with /");
      }
      int status = r.integer("status", 301, 0, 999);
      if (!REDIRECT_STATUSES.contains(status)) {
        problems.add(r.origin("status"), r.what() + ".status: " + status + " (expected 301, 302, 303, 307 or 308)");
      }
      return (Action) new Action.Redirect(scheme, host, r.integer("port", 0, 1, 65535), path, status);
    }).orElse(new Action.DirectResponse(500, ""));
  }

  Action directResponse(Fields f, String route) {
    return f.nested("directResponse", "route " + route + " directResponse", DIRECT_KEYS).map(d -> {
      if (!d.has("status")) {
        problems.add(d.origin(), d.what() + ": \"status\" is required");
      }
      return (Action) new Action.DirectResponse(d.integer("status", 200, 100, 599), d.string("body", ""));
    }).orElse(new Action.DirectResponse(500, ""));
  }

  Rewrite rewrite(Fields r, List<RequestMatch> match) {
    Rewrite.PathRewrite path = new Rewrite.PathRewrite.Keep();
    if (r.has("prefix") && r.has("regex")) {
      problems.add(r.origin(), r.what() + ": use prefix or regex, not both");
    } else if (r.has("prefix")) {
      String replacement = r.string("prefix", "/");
      if (!RouteReader.allPrefix(match)) {
        problems.add(r.origin("prefix"), r.what() + ".prefix: a prefix rewrite needs every match entry to use a path prefix (use regex instead)");
      } else if (!replacement.startsWith("/")) {
        problems.add(r.origin("prefix"), r.what() + ".prefix: " + Fields.quote(replacement) + " must start with /");
      }
      path = new Rewrite.PathRewrite.Prefix(replacement);
    } else if (r.has("regex")) {
      path = r.nested("regex", r.what() + " regex", REGEX_KEYS).map(x -> {
        String pattern = x.required("pattern");
        if (!x.has("substitution")) {
          problems.add(x.origin(), x.what() + ": \"substitution\" is required");
        }
        MatchReader.checkRegex(x, "pattern", pattern);
        return (Rewrite.PathRewrite) new Rewrite.PathRewrite.Regex(pattern, x.string("substitution", ""));
      }).orElse(path);
    }
    String host = Values.normaliseHost(r.string("host", ""));
    if (!host.isEmpty() && !Values.isHostName(host) && Values.endpoint(host).isEmpty()) {
      problems.add(r.origin("host"), r.what() + ".host: " + Fields.quote(host) + " is not a host name (or HOST:PORT)");
    }
    return new Rewrite(path, host);
  }
}
