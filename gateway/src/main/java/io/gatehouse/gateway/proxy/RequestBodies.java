package io.gatehouse.gateway.proxy;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.Locale;

/**
 * What a request head says about its body, before any of it is read: for the forwarder and for
 * the filters that bound or copy bodies.
 */
public final class RequestBodies {
  private RequestBodies() {}

  /** The declared {@code Content-Length}, or -1 when absent or malformed. */
  public static long declaredLength(HttpServerRequest request) {
    String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Whether a body follows: a positive length, chunked on HTTP/1.1, or an HTTP/2 stream still open. */
  public static boolean hasBody(HttpServerRequest request) {
    long length = declaredLength(request);
    if (length >= 0) {
      return length > 0;
    }
    if (request.version() == HttpVersion.HTTP_2) {
      return !request.isEnded();
    }
    String te = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
    return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
  }

  /**
   * Whether {@code method} gives request content a meaning, so that an empty body is worth a
   * {@code Content-Length: 0} (RFC 9110 §8.6); not GET, HEAD, DELETE, TRACE or CONNECT (§9.3),
   * the methods Envoy sends with no framing header when they carry nothing.
   */
  public static boolean methodHasContentSemantics(HttpMethod method) {
    return !(method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.DELETE
        || method == HttpMethod.TRACE || method == HttpMethod.CONNECT);
  }
}
