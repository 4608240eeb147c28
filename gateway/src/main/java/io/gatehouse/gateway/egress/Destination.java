package io.gatehouse.gateway.egress;

import io.gatehouse.routes.egress.Target;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;

/**
 * Where an egress request wants to go, read from its request line: {@code CONNECT host:port}, an
 * absolute-form target ({@code GET http://host[:port]/path}), or else the {@code Host} header of
 * an origin-form request (traffic the mesh redirected). The host is {@link Target#parse normalised};
 * userinfo ({@code http://user@host}), an {@code https://} target (use CONNECT) and a malformed
 * authority make it {@link Target.Invalid}.
 */
record Destination(Target target, int port, boolean connect) {
  static final int HTTP_PORT = 80;

  static Destination of(HttpServerRequest request) {
    String uri = request.uri();
    if (request.method() == HttpMethod.CONNECT) {
      return authority(uri, -1, true);
    }
    String lower = uri.length() >= 8 ? uri.substring(0, 8).toLowerCase(Locale.ROOT) : uri.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://")) {
      String rest = uri.substring(7);
      int end = rest.length();
      for (char c : new char[] {'/', '?', '#'}) {
        int i = rest.indexOf(c);
        if (i >= 0 && i < end) {
          end = i;
        }
      }
      return authority(rest.substring(0, end), HTTP_PORT, false);
    }
    if (!uri.startsWith("/")) {
      return invalid(lower.startsWith("https://") ? "https:// target (use CONNECT)" : "unsupported request target");
    }
    String host = request.getHeader("host");
    return host == null ? invalid("no Host header") : authority(host, HTTP_PORT, false);
  }

  /** {@code host[:port]} or {@code [v6][:port]}; {@code defaultPort} -1 means the port is required. */
  static Destination authority(String authority, int defaultPort, boolean connect) {
    if (authority.indexOf('@') >= 0) {
      return invalid("userinfo in the authority", connect);
    }
    String host;
    String port = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        return invalid("unclosed [", connect);
      }
      host = authority.substring(0, close + 1);
      String rest = authority.substring(close + 1);
      if (rest.startsWith(":")) {
        port = rest.substring(1);
      } else if (!rest.isEmpty()) {
        return invalid("text after ]", connect);
      }
    } else {
      int colon = authority.indexOf(':');
      if (colon >= 0 && authority.indexOf(':', colon + 1) >= 0) {
        return invalid("IPv6 literal without brackets", connect);
      }
      host = colon < 0 ? authority : authority.substring(0, colon);
      port = colon < 0 ? null : authority.substring(colon + 1);
    }
    int p = port == null ? defaultPort : parsePort(port);
    if (p < 1) {
      return invalid("bad or missing port", connect);
    }
    return new Destination(Target.parse(host), p, connect);
  }

  private static int parsePort(String text) {
    if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    int p = Integer.parseInt(text);
    return p <= 65535 ? p : -1;
  }

  private static Destination invalid(String why) {
    return invalid(why, false);
  }

  private static Destination invalid(String why, boolean connect) {
    return new Destination(new Target.Invalid(why), 0, connect);
  }

  /** The host as matched and sent: the canonical name, or the address literal. */
  String host() {
    if (target instanceof Target.Name n) {
      return n.name();
    }
    if (target instanceof Target.Address a) {
      return a.address().getHostAddress();
    }
    return "";
  }

  /** {@code host:port} for logs, IPv6 in brackets. */
  String label() {
    String h = host();
    return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port;
  }
}
