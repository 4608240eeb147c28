package io.gatehouse.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * One gRPC-web request translated to gRPC, as Envoy's grpc_web filter does: upstream it becomes
 * {@code application/grpc} with {@code te: trailers} and no {@code content-length}, its body
 * base64-decoded for {@code -text} ({@link GrpcWebRequestBody}); the response comes back as
 * {@code application/grpc-web(-text)+proto} with the upstream's trailers as a trailer frame at the
 * end of the body ({@link GrpcWebResponse}). The gateway's own errors become a gRPC status in a
 * trailer frame too. Made by the {@link Forwarder} for routes with {@code grpcWeb} whose chosen
 * upstream speaks HTTP2.
 */
final class GrpcWeb {
  static final String GRPC_WEB = "application/grpc-web";
  static final String GRPC_WEB_PROTO = "application/grpc-web+proto";
  static final String GRPC_WEB_TEXT = "application/grpc-web-text";
  static final String GRPC_WEB_TEXT_PROTO = "application/grpc-web-text+proto";
  /** gRPC's default limit on a received message (grpc-java's DEFAULT_MAX_MESSAGE_SIZE): larger prefixes are refused. */
  static final long MAX_MESSAGE_BYTES = 4L * 1024 * 1024;

  static final int OK = 0;
  static final int UNKNOWN = 2;
  static final int DEADLINE_EXCEEDED = 4;
  static final int INTERNAL = 13;
  static final int UNAVAILABLE = 14;

  private final boolean textRequest;
  private final boolean textResponse;
  private int grpcStatus = -1;

  private GrpcWeb(boolean textRequest, boolean textResponse) {
    this.textRequest = textRequest;
    this.textResponse = textResponse;
  }

  /** Whether the request is gRPC-web: one of the four content types, without parameters (as Envoy). */
  static boolean isRequest(HttpServerRequest request) {
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    return type != null && (isText(type) || type.equals(GRPC_WEB) || type.equals(GRPC_WEB_PROTO));
  }

  private static boolean isText(String type) {
    return type.equals(GRPC_WEB_TEXT) || type.equals(GRPC_WEB_TEXT_PROTO);
  }

  /**
   * Starts the translation of {@code ex}'s request: rewrites what goes upstream and wraps the
   * body. The response is base64 when {@code accept} asks for {@code -text} (Envoy's rule), or,
   * when {@code accept} names no gRPC-web type, when the request was {@code -text}.
   */
  static GrpcWeb begin(Exchange ex) {
    HttpServerRequest request = ex.request();
    boolean text = isText(request.getHeader(HttpHeaders.CONTENT_TYPE));
    String accept = request.getHeader(HttpHeaders.ACCEPT);
    boolean textResponse = accept != null && accept.startsWith(GRPC_WEB) ? isText(accept) : text;
    GrpcWeb web = new GrpcWeb(text, textResponse);
    MultiMap upstream = ex.upstreamHeaders();
    // The client's content-length is the HTTP/1.1 (or base64) size, not that of the h2 DATA frames.
    upstream.remove(HttpHeaders.CONTENT_LENGTH);
    upstream.set(HttpHeaders.CONTENT_TYPE, "application/grpc");
    upstream.set("te", "trailers");
    if (!upstream.contains("grpc-accept-encoding")) {
      // Browsers' gRPC-web clients cannot inflate compressed messages.
      upstream.set("grpc-accept-encoding", "identity");
    }
    if (ex.bufferedBody() != null) {
      ex.bufferedBody(GrpcWebRequestBody.decodeWhole(ex.bufferedBody(), text));
    } else {
      ex.body(new GrpcWebRequestBody(ex.body(), text));
    }
    ex.grpcWeb(web);
    return web;
  }

  boolean textRequest() {
    return textRequest;
  }

  boolean textResponse() {
    return textResponse;
  }

  String responseContentType() {
    return textResponse ? GRPC_WEB_TEXT_PROTO : GRPC_WEB_PROTO;
  }

  /** The gRPC status the client was given (in headers or the trailer frame), or -1 before it is known. */
  int grpcStatus() {
    return grpcStatus;
  }

  void grpcStatus(String value) {
    try {
      grpcStatus = value == null ? UNKNOWN : Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      grpcStatus = UNKNOWN;
    }
  }

  /**
   * A trailer frame of {@code trailers} (flags 0x80, the length, then {@code name:value\r\n} per
   * field, names lower-case, as Envoy writes them), base64 when the response is text.
   */
  Buffer trailerFrame(MultiMap trailers) {
    StringBuilder block = new StringBuilder();
    for (Map.Entry<String, String> field : trailers) {
      block.append(field.getKey().toLowerCase(Locale.ROOT)).append(':').append(field.getValue()).append("\r\n");
    }
    grpcStatus(trailers.get("grpc-status"));
    byte[] bytes = block.toString().getBytes(StandardCharsets.UTF_8);
    Buffer frame = Buffer.buffer(GrpcFrames.HEADER + bytes.length).appendByte((byte) GrpcFrames.TRAILER_FLAG)
        .appendInt(bytes.length).appendBytes(bytes);
    return textResponse ? Buffer.buffer(java.util.Base64.getEncoder().encode(frame.getBytes())) : frame;
  }

  /**
   * Ends the response with the gateway's {@code error} as a gRPC status in a trailer frame. Before
   * the head went out: 200 for what the upstream side caused (gRPC's way: the status is in the
   * trailers), the error's own status for the client's (a malformed body, a denied request: as
   * Envoy, which then also puts the status in the headers); after it, the frame closes the body.
   */
  void fail(Exchange ex, GatewayException error) {
    HttpServerResponse response = ex.response();
    int code = grpcCode(error.reason());
    MultiMap trailers = MultiMap.caseInsensitiveMultiMap().add("grpc-status", Integer.toString(code))
        .add("grpc-message", percentEncode(error.reason().message()));
    if (!response.headWritten()) {
      response.headers().clear();
      boolean clients = error.status() < 500;
      response.setStatusCode(clients ? error.status() : 200)
          .putHeader(HttpHeaders.CONTENT_TYPE, responseContentType())
          .putHeader("x-gatehouse-reason", error.reason().word())
          .putHeader("x-request-id", ex.requestId());
      if (clients) {
        response.headers().addAll(trailers);
      }
      ex.editResponseHead(response.headers());
    }
    response.end(trailerFrame(trailers));
  }

  /** The gRPC status for a gateway error: timeouts are DEADLINE_EXCEEDED; the rest as Envoy maps their HTTP status. */
  static int grpcCode(Reason reason) {
    return switch (reason) {
      case UPSTREAM_RESPONSE_TIMEOUT, UPSTREAM_PER_TRY_TIMEOUT -> DEADLINE_EXCEEDED;
      case UPSTREAM_RESET, UPSTREAM_RESET_AFTER_RESPONSE_STARTED -> UNAVAILABLE;
      default -> httpToGrpc(reason.status());
    };
  }

  /** Envoy's Grpc::Utility::httpToGrpcStatus (and gRPC's doc/http-grpc-status-mapping.md). */
  static int httpToGrpc(int status) {
    return switch (status) {
      case 400 -> INTERNAL;
      case 401 -> 16;  // UNAUTHENTICATED
      case 403 -> 7;   // PERMISSION_DENIED
      case 404 -> 12;  // UNIMPLEMENTED
      case 429, 502, 503, 504 -> UNAVAILABLE;
      default -> UNKNOWN;
    };
  }

  /** {@code grpc-message}'s encoding: bytes outside printable ASCII, and {@code %}, as {@code %XX} (PROTOCOL-HTTP2.md). */
  static String percentEncode(String message) {
    StringBuilder out = new StringBuilder(message.length());
    for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
