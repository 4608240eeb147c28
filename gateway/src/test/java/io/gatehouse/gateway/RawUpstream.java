package io.gatehouse.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/1.1 upstream on 127.0.0.1, port 0, that records the exact bytes of each request it got
 * (head and body as they were framed on the wire), where {@link EchoUpstream} shows what an HTTP
 * codec made of them. It finds a request's end as RFC 9112 §6.3 says (Content-Length, else chunked
 * up to the last chunk, else no body) and answers each with 200 {@code ok}, keeping the connection.
 */
final class RawUpstream implements AutoCloseable {
  /** One request as received: the head up to and including its blank line, and the framed body bytes after it. */
  record Received(String head, String body) {
    /** The value of header {@code name} (first one, case-insensitive), or null. */
    String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final NetServer server;

  private RawUpstream(Vertx vertx) {
    server = Await.result(vertx.createNetServer().connectHandler(this::serve).listen(0, "127.0.0.1"));
  }

  static RawUpstream start(Vertx vertx) {
    return new RawUpstream(vertx);
  }

  String address() {
    return "127.0.0.1:" + server.actualPort();
  }

  List<Received> requests() {
    return received;
  }

  private void serve(NetSocket socket) {
    StringBuilder pending = new StringBuilder();
    socket.handler(bytes -> {
      pending.append(bytes.toString(StandardCharsets.ISO_8859_1));
      int end;
      while ((end = requestEnd(pending)) > 0) {
        String request = pending.substring(0, end);
        pending.delete(0, end);
        int headEnd = request.indexOf("\r\n\r\n") + 4;
        received.add(new Received(request.substring(0, headEnd), request.substring(headEnd)));
        socket.write(Buffer.buffer("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
      }
    });
  }

  /** Where the first whole request in {@code bytes} ends, or -1 if it is not all in yet. */
  static int requestEnd(CharSequence bytes) {
    String text = bytes.toString();
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      return -1;
    }
    int bodyStart = headEnd + 4;
    Received head = new Received(text.substring(0, bodyStart), "");
    String length = head.header("content-length");
    if (length != null) {
      int end = bodyStart + Integer.parseInt(length);
      return text.length() >= end ? end : -1;
    }
    String coding = head.header("transfer-encoding");
    if (coding == null || !coding.toLowerCase(Locale.ROOT).contains("chunked")) {
      return bodyStart;
    }
    int at = bodyStart;
    while (true) {
      int lineEnd = text.indexOf("\r\n", at);
      if (lineEnd < 0) {
        return -1;
      }
      int size = Integer.parseInt(text.substring(at, lineEnd).trim(), 16);
      if (size == 0) {
        int trailersEnd = text.indexOf("\r\n\r\n", lineEnd); // the last chunk's line, any trailers, the blank line
        return trailersEnd < 0 ? -1 : trailersEnd + 4;
      }
      at = lineEnd + 2 + size + 2;
      if (text.length() < at) {
        return -1;
      }
    }
  }

  @Override public void close() {
    server.close().toCompletionStage().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
  }
}
