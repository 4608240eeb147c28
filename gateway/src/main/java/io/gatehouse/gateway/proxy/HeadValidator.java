package io.gatehouse.gateway.proxy;

import io.netty.util.AsciiString;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.Map;

/**
 * The request-head rules that the HTTP codecs leave to the application, checked once per request
 * before any route runs and before any upstream contact. Netty's HTTP/1.1 decoder already refuses
 * (as a decoder failure, see {@link Ingress#invalid}) bad request lines, CR/LF/NUL and control
 * characters in values, whitespace before a colon, duplicate or malformed {@code Content-Length},
 * chunked plus {@code Content-Length}, and {@code Transfer-Encoding} on HTTP/1.0; it replaces
 * obs-fold with a space, as RFC 9112 §5.2 allows. Netty's HPACK decoder refuses uppercase and
 * non-token names, connection-specific fields and misplaced or repeated pseudo-headers (RFC 9113
 * §8.2.2, §8.3), Vert.x a missing {@code :method}, {@code :scheme} or {@code :path}. What is left
 * is here, in one pass over the headers already parsed:
 *
 * <ul>
 *   <li>the request target: visible ASCII only (RFC 9112 §3.2, RFC 3986 §2), so no control
 *       character, space or CR LF reaches a request line upstream;</li>
 *   <li>the method: a token (RFC 9110 §9.1);</li>
 *   <li>absolute-form targets: the target's authority replaces {@code Host} (RFC 9112 §3.2.2);
 *       one with userinfo or without a host is refused;</li>
 *   <li>{@code Host}: exactly one and readable on HTTP/1.1 (RFC 9112 §3.2);</li>
 *   <li>field names: not empty (RFC 9110 §5.1); HTTP/2 field values: no NUL, CR or LF, no leading
 *       or trailing whitespace (RFC 9113 §8.2.1);</li>
 *   <li>{@code Transfer-Encoding}: exactly {@code chunked}: with {@code Content-Length} 400,
 *       chunked twice 400, any other coding 501 (RFC 9112 §6.1, §6.3).</li>
 * </ul>
 */
final class HeadValidator {
  private HeadValidator() {}

  /**
   * The first rule {@code request} breaks, or null when its head is acceptable. May set {@code Host}
   * (absolute-form). {@code proxy}: an EGRESS listener, whose handler reads the target (absolute-
   * or authority-form) and answers a bad one itself, so the target's form and Host are left to it.
   */
  static GatewayException check(HttpServerRequest request, boolean proxy) {
    boolean h2 = request.version() == HttpVersion.HTTP_2;
    String uri = request.uri();
    if (!visibleAscii(uri)) {
      return new GatewayException(Reason.INVALID_TARGET, "control character or whitespace in the request target");
    }
    if (!token(request.method().name())) {
      return new GatewayException(Reason.BAD_REQUEST, "the method is not a token");
    }
    int hosts = 0;
    int encodings = 0;
    String encoding = null;
    boolean length = false;
    for (var fields = HeaderFields.of(request.headers()); fields.hasNext(); ) {
      Map.Entry<? extends CharSequence, ? extends CharSequence> field = fields.next();
      CharSequence name = field.getKey();
      if (name.length() == 0) {
        return new GatewayException(Reason.INVALID_HEADER, "empty field name");
      }
      if (h2 && !h2Value(field.getValue())) {
        return new GatewayException(Reason.INVALID_HEADER, "field " + name + ": NUL, CR, LF or surrounding whitespace in the value");
      }
      switch (name.length()) {
        case 4 -> hosts += AsciiString.contentEqualsIgnoreCase(name, "host") ? 1 : 0;
        case 14 -> length |= AsciiString.contentEqualsIgnoreCase(name, "content-length");
        case 17 -> {
          if (AsciiString.contentEqualsIgnoreCase(name, "transfer-encoding")) {
            encodings++;
            encoding = encoding == null ? field.getValue().toString() : encoding + "," + field.getValue();
          }
        }
        default -> { }
      }
    }
    if (hosts > 1) {
      return new GatewayException(Reason.INVALID_HOST, hosts + " Host fields");
    }
    if (encodings > 0) {
      GatewayException framing = transferCoding(encoding, length);
      if (framing != null) {
        return framing;
      }
    }
    if (proxy || request.method() == HttpMethod.CONNECT) {
      return null;
    }
    if (!h2 && uri.charAt(0) != '/') {
      GatewayException target = absoluteForm(request, uri);
      if (target != null) {
        return target;
      }
    }
    if (request.version() == HttpVersion.HTTP_1_1 && request.authority() == null) {
      return new GatewayException(Reason.MISSING_HOST, hosts == 0 ? "no Host" : "unreadable Host");
    }
    return null;
  }

  private static GatewayException transferCoding(String value, boolean contentLength) {
    if (contentLength) {
      return new GatewayException(Reason.INVALID_FRAMING, "Transfer-Encoding with Content-Length");
    }
    int chunked = 0;
    int codings = 0;
    for (String coding : value.split(",")) {
      String c = coding.strip();
      if (c.isEmpty()) {
        continue;
      }
      codings++;
      if (c.equalsIgnoreCase("chunked")) {
        chunked++;
      }
    }
    if (chunked > 1) {
      return new GatewayException(Reason.INVALID_FRAMING, "chunked applied more than once");
    }
    if (chunked == 1 && codings == 1) {
      return null;
    }
    return new GatewayException(Reason.UNSUPPORTED_TRANSFER_CODING, "Transfer-Encoding: " + value);
  }

  /** RFC 9112 §3.2.2: the authority of an absolute-form target wins over Host; it becomes the Host. */
  private static GatewayException absoluteForm(HttpServerRequest request, String uri) {
    int scheme = uri.indexOf("://");
    if (scheme <= 0) {
      return uri.equals("*") ? null : new GatewayException(Reason.INVALID_TARGET, "neither origin-form nor absolute-form");
    }
    int start = scheme + 3;
    int end = start;
    while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
      end++;
    }
    String authority = uri.substring(start, end);
    if (authority.isEmpty() || authority.indexOf('@') >= 0) {
      return new GatewayException(Reason.INVALID_TARGET, "absolute-form target without a host, or with userinfo");
    }
    request.headers().set("host", authority);
    return null;
  }

  private static boolean visibleAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return !s.isEmpty();
  }

  private static boolean h2Value(CharSequence v) {
    int n = v.length();
    if (n > 0 && (v.charAt(0) == ' ' || v.charAt(0) == '\t' || v.charAt(n - 1) == ' ' || v.charAt(n - 1) == '\t')) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = v.charAt(i);
      if (c == 0 || c == '\r' || c == '\n') {
        return false;
      }
    }
    return true;
  }

  /** RFC 9110 §5.6.2 tchar. */
  private static boolean token(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
