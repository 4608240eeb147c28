package io.gatehouse.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A plain TCP client for what HTTP clients refuse to send: PROXY protocol headers, trickled or
 * oversized heads. Blocks the test thread; every read has a timeout.
 */
final class RawTcp implements AutoCloseable {
  private final Socket socket;

  private RawTcp(Socket socket) {
    this.socket = socket;
  }

  static RawTcp connect(int port) {
    try {
      Socket socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
      return new RawTcp(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** HTTP/1.1 over TLS (SNI {@code serverName}, ALPN http/1.1), trusting any certificate. */
  static RawTcp tls(int port, String serverName) {
    try {
      return new RawTcp(H2Client.tlsSocket(port, serverName, "http/1.1"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  RawTcp send(byte[] bytes) {
    try {
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  RawTcp send(String text) {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Reads until the server closes the connection (or the read timeout): everything it sent. */
  String readUntilClosed() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server did not close the connection; got so far: " + out.toString(StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      // reset by the server: what came before is the answer
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * Waits up to {@code millis} for the server to close the connection: true when it did (end of
   * stream or a reset), false when the time passed first. Any byte the server sends is an error.
   */
  boolean closedWithin(long millis) {
    try {
      socket.setSoTimeout((int) millis);
      int b = socket.getInputStream().read();
      if (b >= 0) {
        throw new AssertionError("unexpected data from the server: " + (char) b);
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    } finally {
      try {
        socket.setSoTimeout(10_000);
      } catch (IOException ignored) {
        // closed
      }
    }
  }

  /**
   * Waits up to {@code millis} for the server to send or close: null when neither happened, else
   * everything it sent until it closed the connection (empty for a bare close).
   */
  String answerWithin(long millis) {
    try {
      socket.setSoTimeout((int) millis);
      int b = socket.getInputStream().read();
      socket.setSoTimeout(10_000);
      return b < 0 ? "" : (char) b + readUntilClosed();
    } catch (SocketTimeoutException e) {
      return null;
    } catch (IOException e) {
      return "";
    }
  }

  /** Reads one response with a Content-Length body: its head and body as text. */
  String readResponse() {
    try {
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new AssertionError("connection closed mid-response: " + head);
        }
        head.append((char) b);
      }
      int length = 0;
      for (String line : head.toString().split("\r\n")) {
        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).trim());
        }
      }
      byte[] body = in.readNBytes(length);
      return head + new String(body, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
