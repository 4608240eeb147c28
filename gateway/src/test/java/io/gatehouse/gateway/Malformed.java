package io.gatehouse.gateway;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * The adversarial catalogue: requests an attacker sends that the gateway must refuse before any
 * route runs and before any upstream contact, each with the RFC section or CVE it follows and what
 * the client must get. Shared by {@link EdgeValidationTest} (one case at a time) and
 * {@link EdgeIsolationTest} (every case interleaved with normal requests).
 */
final class Malformed {
  private Malformed() {}

  /** An HTTP/1.1 request as raw bytes; {@code status} 0 means the connection may just be closed without an answer. */
  record H1(String name, String bytes, int status, String reason) {
    @Override public String toString() {
      return name;
    }
  }

  /**
   * An HTTP/2 request on stream 1. {@code status} > 0: that answer with {@code reason}; 0: the
   * stream or connection is refused (RST_STREAM, GOAWAY or close), as RFC 9113 §8.1.1 makes a
   * malformed request a stream error.
   */
  record H2(String name, Consumer<H2Client> send, int status, String reason) {
    @Override public String toString() {
      return name;
    }
  }

  private static final String HOST = "Host: shop.test\r\n";
  private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\n" + HOST + "\r\n";

  static final List<H1> HTTP1 = List.of(
      // RFC 9112 §6.1: a transfer coding the gateway does not implement is 501; TE.TE smuggling.
      new H1("rfc9112-6.1 Transfer-Encoding xchunked with Content-Length", "POST /a HTTP/1.1\r\n" + HOST
          + "Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n\r\nhello", 400, "invalid_framing"),
      new H1("rfc9112-6.1 Transfer-Encoding xchunked smuggles a request (TE.TE)", "POST /a HTTP/1.1\r\n" + HOST
          + "Transfer-Encoding: xchunked\r\n\r\n" + SMUGGLED, 501, "unsupported_transfer_coding"),
      new H1("rfc9112-6.1 two Transfer-Encoding fields, chunked and identity (TE.TE)", "POST /a HTTP/1.1\r\n" + HOST
          + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n", 400, ""),
      new H1("rfc9112-6.1 gzip, chunked is not implemented", "POST /a HTTP/1.1\r\n" + HOST
          + "Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 501, "unsupported_transfer_coding"),
      new H1("rfc9112-6.1 chunked applied twice", "POST /a HTTP/1.1\r\n" + HOST
          + "Transfer-Encoding: chunked, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, "invalid_framing"),
      new H1("rfc9112-6.1 Transfer-Encoding on HTTP/1.0", "POST /a HTTP/1.0\r\n" + HOST
          + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, ""),
      // RFC 9112 §6.3: Transfer-Encoding with Content-Length (CL.TE and TE.CL smuggling).
      new H1("rfc9112-6.3 CL.TE smuggling", "POST /a HTTP/1.1\r\n" + HOST
          + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", 400, ""),
      new H1("rfc9112-6.3 TE.CL smuggling", "POST /a HTTP/1.1\r\n" + HOST
          + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n", 400, ""),
      new H1("rfc9112-6.3 duplicate Content-Length with different values", "POST /a HTTP/1.1\r\n" + HOST
          + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400, ""),
      new H1("rfc9112-6.3 negative Content-Length", "POST /a HTTP/1.1\r\n" + HOST + "Content-Length: -1\r\n\r\n", 400, ""),
      new H1("rfc9112-6.3 overflowing Content-Length", "POST /a HTTP/1.1\r\n" + HOST
          + "Content-Length: 99999999999999999999999\r\n\r\n", 400, ""),
      new H1("rfc9112-6.3 Content-Length with a sign", "POST /a HTTP/1.1\r\n" + HOST + "Content-Length: +5\r\n\r\nhello", 400, ""),
      // RFC 9112 §7.1: chunk sizes are hex digits, chunk data ends with CRLF.
      new H1("rfc9112-7.1 chunk size 0x5", "POST /a HTTP/1.1\r\n" + HOST
          + "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400, "invalid_framing"),
      new H1("rfc9112-7.1 negative chunk size", "POST /a HTTP/1.1\r\n" + HOST
          + "Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", 400, "invalid_framing"),
      new H1("rfc9112-7.1 chunk data not followed by CRLF", "POST /a HTTP/1.1\r\n" + HOST
          + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 0, ""),
      // RFC 9112 §3 and RFC 3986 §2: the request line and target.
      new H1("rfc9112-3.2 control character 0x01 in the target", "GET /a\u0001b HTTP/1.1\r\n" + HOST + "\r\n", 400,
          "invalid_request_target"),
      new H1("rfc9112-3.2 DEL in the target", "GET /a\u007fb HTTP/1.1\r\n" + HOST + "\r\n", 400, "invalid_request_target"),
      new H1("rfc9112-3.2 NUL in the target", "GET /a\u0000b HTTP/1.1\r\n" + HOST + "\r\n", 400, ""),
      new H1("rfc9112-3.2 absolute-form without a host", "GET http:///x HTTP/1.1\r\n" + HOST + "\r\n", 400,
          "invalid_request_target"),
      new H1("rfc9110-4.2.4 absolute-form with userinfo", "GET http://a@shop.test/x HTTP/1.1\r\n" + HOST + "\r\n", 400,
          "invalid_request_target"),
      new H1("rfc9110-15.6.6 HTTP/3.0 is 505", "GET / HTTP/3.0\r\n" + HOST + "\r\n", 505, "http_version_not_supported"),
      new H1("rfc9110-15.6.6 HTTP/2.0 on an HTTP/1 connection is 505", "GET / HTTP/2.0\r\n" + HOST + "\r\n", 505,
          "http_version_not_supported"),
      new H1("rfc9112-2.3 protocol name other than HTTP", "GET / FOO/1.1\r\n" + HOST + "\r\n", 400, "bad_request"),
      new H1("rfc9110-9.1 method that is not a token", "G(T / HTTP/1.1\r\n" + HOST + "\r\n", 400, ""),
      new H1("rfc9112-3 overlong request line is 414", "GET /" + "a".repeat(9000) + " HTTP/1.1\r\n" + HOST + "\r\n", 414,
          "uri_too_long"),
      // RFC 9112 §3.2: exactly one Host on HTTP/1.1.
      new H1("rfc9112-3.2 two Host fields", "GET / HTTP/1.1\r\n" + HOST + "Host: other.test\r\n\r\n", 400, "invalid_host"),
      new H1("rfc9112-3.2 no Host on HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400, "missing_host"),
      new H1("rfc9112-3.2 Host with userinfo", "GET / HTTP/1.1\r\nHost: a@shop.test\r\n\r\n", 400, ""),
      // RFC 9110 §5.5 and RFC 9112 §5: field syntax.
      new H1("rfc9110-5.5 NUL in a value", "GET / HTTP/1.1\r\n" + HOST + "X-A: a\u0000b\r\n\r\n", 400, ""),
      new H1("rfc9110-5.5 bare CR in a value", "GET / HTTP/1.1\r\n" + HOST + "X-A: a\rb\r\n\r\n", 400, ""),
      new H1("rfc9110-5.5 control character in a value", "GET / HTTP/1.1\r\n" + HOST + "X-A: a\u0001b\r\n\r\n", 400, ""),
      new H1("rfc9112-5.1 whitespace before the colon", "GET / HTTP/1.1\r\n" + HOST + "Transfer-Encoding : chunked\r\n\r\n",
          400, ""),
      new H1("rfc9110-5.1 space in a field name", "GET / HTTP/1.1\r\n" + HOST + "X A: b\r\n\r\n", 400, ""),
      new H1("rfc9110-5.1 empty field name", "GET / HTTP/1.1\r\n" + HOST + ": b\r\n\r\n", 400, "invalid_header"),
      new H1("rfc9112-2.2 whitespace before the first field line", "GET / HTTP/1.1\r\n Host: shop.test\r\n\r\n", 400, ""),
      new H1("rfc9112-2.2 bare LF line endings", "GET / HTTP/1.1\nHost: shop.test\n\n", 400, ""),
      new H1("rfc6585-5 header section over maxHeaderSize is 431", "GET / HTTP/1.1\r\n" + HOST + "X-Big: "
          + "a".repeat(20_000) + "\r\n\r\n", 431, "request_headers_too_large"));

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String[] get(String... extra) {
    return H2Client.get("shop.test", "/p", extra);
  }

  static final List<H2> HTTP2 = List.of(
      // Issue 13 item 1: CR LF in :path becomes a second request line on an HTTP/1.1 upstream.
      new H2("rfc9113-8.3.1 CR LF in :path (request line injection)",
          h -> h.headers(1, true, H2Client.get("shop.test", "/x HTTP/1.1\r\nX-Injected: 1\r\nx:")), 400, "invalid_request_target"),
      new H2("rfc9113-8.3.1 space in :path", h -> h.headers(1, true, H2Client.get("shop.test", "/a b")), 400,
          "invalid_request_target"),
      new H2("rfc9113-8.3.1 :path without a leading slash", h -> h.headers(1, true, H2Client.get("shop.test", "p")), 400, ""),
      // RFC 9113 §8.2.1: field values.
      new H2("rfc9113-8.2.1 CR LF in a value (header injection)", h -> h.headers(1, true, get("x-a", "b\r\nx-c: d")), 400,
          "invalid_header"),
      new H2("rfc9113-8.2.1 NUL in a value", h -> h.headers(1, true, get("x-a", "b\u0000c")), 400, "invalid_header"),
      new H2("rfc9113-8.2.1 LF in a value", h -> h.headers(1, true, get("x-a", "b\nc")), 400, "invalid_header"),
      new H2("rfc9113-8.2.1 leading whitespace in a value", h -> h.headers(1, true, get("x-a", " b")), 400, "invalid_header"),
      new H2("rfc9113-8.2.1 trailing tab in a value", h -> h.headers(1, true, get("x-a", "b\t")), 400, "invalid_header"),
      // RFC 9113 §8.2, §8.2.2: names.
      new H2("rfc9113-8.2 uppercase field name", h -> h.headers(1, true, get("X-A", "b")), 0, ""),
      new H2("rfc9113-8.2 space in a field name", h -> h.headers(1, true, get("x a", "b")), 0, ""),
      new H2("rfc9113-8.2 colon in a field name", h -> h.headers(1, true, get("x:a", "b")), 0, ""),
      new H2("rfc9113-8.2 empty field name", h -> h.headers(1, true, get("", "b")), 0, ""),
      new H2("rfc9113-8.2.2 connection-specific field", h -> h.headers(1, true, get("connection", "keep-alive")), 0, ""),
      new H2("rfc9113-8.2.2 transfer-encoding", h -> h.headers(1, true, get("transfer-encoding", "chunked")), 0, ""),
      new H2("rfc9113-8.2.2 te other than trailers", h -> h.headers(1, true, get("te", "gzip")), 0, ""),
      // RFC 9113 §8.3: pseudo-headers.
      new H2("rfc9113-8.3 pseudo-header after a regular field", h -> h.headers(1, true, "x-a", "b", ":method", "GET",
          ":scheme", "https", ":authority", "shop.test", ":path", "/p"), 0, ""),
      new H2("rfc9113-8.3 duplicated :path", h -> h.headers(1, true, get(":path", "/q")), 0, ""),
      new H2("rfc9113-8.3 unknown pseudo-header", h -> h.headers(1, true, get(":foo", "x")), 0, ""),
      new H2("rfc9113-8.3.1 missing :path", h -> h.headers(1, true, ":method", "GET", ":scheme", "https",
          ":authority", "shop.test"), 0, ""),
      new H2("rfc9113-8.3.1 missing :method", h -> h.headers(1, true, ":scheme", "https", ":authority", "shop.test",
          ":path", "/p"), 0, ""),
      new H2("rfc9110-9.1 :method that is not a token (request line injection)",
          h -> h.headers(1, true, H2Client.request("GET /x HTTP/1.1\r\nX: y", "shop.test", "/p")), 0, ""),
      new H2("rfc9113-8.3.1 CR LF in :authority", h -> h.headers(1, true, H2Client.get("shop.test\r\nx: y", "/p")), 0, ""),
      new H2("rfc9113-8.3.1 host disagreeing with :authority", h -> h.headers(1, true, get("host", "other.test")), 0, ""),
      // RFC 9113 §8.1.1: content-length must match the DATA; issue 13 item 6.
      new H2("rfc9113-8.1.1 content-length 0 with DATA", h -> h.headers(1, false,
          H2Client.request("POST", "shop.test", "/p", "content-length", "0")).data(1, true, bytes("hello")), 0, ""),
      new H2("rfc9113-8.1.1 more DATA than content-length", h -> h.headers(1, false,
          H2Client.request("POST", "shop.test", "/p", "content-length", "5")).data(1, true, bytes("helloworld")), 0, ""),
      new H2("rfc9113-8.1.1 less DATA than content-length", h -> h.headers(1, false,
          H2Client.request("POST", "shop.test", "/p", "content-length", "10")).data(1, true, bytes("hello")), 0, ""),
      new H2("rfc9113-8.1.1 two different content-length values", h -> h.headers(1, false,
          H2Client.request("POST", "shop.test", "/p", "content-length", "5", "content-length", "6")).data(1, true, bytes("hello")),
          0, ""));

  /** Whether {@code text} (a raw HTTP/1.1 answer) says {@code status} and, when given, {@code reason}. */
  static boolean matches(String text, int status, String reason) {
    return text.matches("(?s)[A-Z]+/\\d\\.\\d " + status + " .*") && (reason.isEmpty() || text.contains("x-gatehouse-reason: " + reason));
  }
}
