package io.gatehouse.gateway;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A minimal HTTP/2 framer on a plain socket (h2c with prior knowledge) or TLS (ALPN h2), for what
 * real clients refuse to send: CR LF or uppercase in header blocks, pseudo-headers out of order,
 * DATA that contradicts {@code content-length}, CONTINUATION floods. Header blocks are written as
 * HPACK literals without indexing, so any bytes go on the wire unchecked; responses are decoded
 * with the test's own {@link Hpack}. Blocks the test thread; every read has a timeout.
 */
final class H2Client implements AutoCloseable {
  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int PING = 6;
  static final int GOAWAY = 7;
  static final int WINDOW_UPDATE = 8;
  static final int CONTINUATION = 9;
  static final int END_STREAM = 0x1;
  static final int END_HEADERS = 0x4;
  static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  /** One frame read back. */
  record Frame(int type, int flags, int stream, byte[] payload) {}

  /** How a stream ended: a response (status 0 when none), a reset or GOAWAY (its error code), or the connection closing. */
  record Outcome(int status, Map<String, String> headers, String body, int resetCode, boolean goaway, boolean closed) {
    boolean answered() {
      return status > 0;
    }

    String header(String name) {
      return headers.get(name);
    }

    @Override public String toString() {
      return status > 0 ? status + " " + headers + " " + body
          : resetCode >= 0 ? (goaway ? "GOAWAY " : "RST_STREAM ") + resetCode : closed ? "closed" : "nothing";
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final Hpack decoder = new Hpack();

  private H2Client(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(5_000);
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
    out.write(PREFACE);
    frame(SETTINGS, 0, 0, new byte[0]);
  }

  /** Clear text, prior knowledge (h2c without Upgrade). */
  static H2Client plain(int port) {
    try {
      Socket socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      return new H2Client(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** TLS with SNI {@code serverName} and ALPN h2; trusts any certificate (the test checks behaviour, not trust). */
  static H2Client tls(int port, String serverName) {
    try {
      SSLSocket socket = tlsSocket(port, serverName, "h2");
      if (!"h2".equals(socket.getApplicationProtocol())) {
        throw new AssertionError("ALPN did not select h2: " + socket.getApplicationProtocol());
      }
      return new H2Client(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A TLS socket to 127.0.0.1:{@code port} with SNI {@code serverName} and ALPN {@code protocol}, trusting any certificate. */
  static SSLSocket tlsSocket(int port, String serverName, String protocol) throws IOException {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new X509TrustManager() {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      SSLParameters params = socket.getSSLParameters();
      params.setApplicationProtocols(new String[] {protocol});
      params.setServerNames(java.util.List.of(new SNIHostName(serverName)));
      socket.setSSLParameters(params);
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return socket;
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** An HPACK header block of literals without indexing (RFC 7541 §6.2.2), names and values as given. */
  static byte[] block(String... namesAndValues) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.write(0);
      string(b, namesAndValues[i]);
      string(b, namesAndValues[i + 1]);
    }
    return b.toByteArray();
  }

  private static void string(ByteArrayOutputStream b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
    integer(b, bytes.length, 7);
    b.writeBytes(bytes);
  }

  private static void integer(ByteArrayOutputStream b, int value, int prefixBits) {
    int max = (1 << prefixBits) - 1;
    if (value < max) {
      b.write(value);
      return;
    }
    b.write(max);
    value -= max;
    while (value >= 128) {
      b.write((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    b.write(value);
  }

  /** A GET's header block for {@code path} on {@code authority}, plus {@code extra} names and values. */
  static String[] get(String authority, String path, String... extra) {
    return request("GET", authority, path, extra);
  }

  static String[] request(String method, String authority, String path, String... extra) {
    String[] all = new String[8 + extra.length];
    String[] pseudo = {":method", method, ":scheme", "https", ":authority", authority, ":path", path};
    System.arraycopy(pseudo, 0, all, 0, 8);
    System.arraycopy(extra, 0, all, 8, extra.length);
    return all;
  }

  /** One HEADERS frame with END_HEADERS. */
  H2Client headers(int stream, boolean endStream, String... namesAndValues) {
    return frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block(namesAndValues));
  }

  H2Client data(int stream, boolean endStream, byte[] bytes) {
    return frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
  }

  H2Client reset(int stream, int code) {
    return frame(RST_STREAM, 0, stream, new byte[] {(byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code});
  }

  H2Client frame(int type, int flags, int stream, byte[] payload) {
    try {
      byte[] head = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, (byte) type,
          (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
      out.write(head);
      out.write(payload);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next frame, answering SETTINGS and PING as a client must; null when the connection closed. */
  Frame next() throws IOException {
    while (true) {
      byte[] head = new byte[9];
      try {
        in.readFully(head);
      } catch (EOFException e) {
        return null;
      } catch (SocketTimeoutException e) {
        throw e;
      } catch (IOException e) {
        return null; // reset by the server
      }
      int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | (head[2] & 0xff);
      int type = head[3] & 0xff;
      int flags = head[4] & 0xff;
      int stream = (head[5] & 0x7f) << 24 | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 8 | (head[8] & 0xff);
      byte[] payload = new byte[length];
      try {
        in.readFully(payload);
      } catch (EOFException e) {
        return null;
      }
      if (type == SETTINGS && (flags & 1) == 0) {
        frame(SETTINGS, 1, 0, new byte[0]);
        continue;
      }
      if (type == PING && (flags & 1) == 0) {
        frame(PING, 1, 0, payload);
        continue;
      }
      return new Frame(type, flags, stream, payload);
    }
  }

  /**
   * Reads frames until {@code stream} ends (response with END_STREAM, RST_STREAM) or the connection
   * does (GOAWAY, close), within {@code millis}; a timeout gives an outcome with nothing in it.
   */
  Outcome await(int stream, long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000;
    int status = 0;
    Map<String, String> headers = new LinkedHashMap<>();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    try {
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return new Outcome(status, headers, body.toString(StandardCharsets.UTF_8), -1, false, false);
        }
        socket.setSoTimeout((int) left);
        Frame f = next();
        if (f == null) {
          return new Outcome(status, headers, body.toString(StandardCharsets.UTF_8), -1, false, true);
        }
        if (f.type() == GOAWAY) {
          int code = java.nio.ByteBuffer.wrap(f.payload(), 4, 4).getInt();
          int last = java.nio.ByteBuffer.wrap(f.payload(), 0, 4).getInt() & 0x7fffffff;
          if (last < stream || status == 0) {
            return new Outcome(status, headers, body.toString(StandardCharsets.UTF_8), code, true, false);
          }
          continue;
        }
        if (f.type() == HEADERS || f.type() == CONTINUATION) {
          // Every header block is decoded, whichever stream it is on (a late answer to an earlier
          // await that timed out): HPACK's dynamic table belongs to the connection, and a block
          // skipped leaves the next ones pointing at entries this decoder never saw.
          block.writeBytes(headerFragment(f));
          if ((f.flags() & END_HEADERS) != 0) {
            Map<String, String> decoded = decoder.decode(block.toByteArray());
            block.reset();
            if (f.stream() == stream) {
              headers.putAll(decoded);
              if (decoded.containsKey(":status") && status == 0) {
                status = Integer.parseInt(decoded.get(":status"));
              }
            }
          }
        }
        if (f.stream() != stream) {
          continue;
        }
        if (f.type() == RST_STREAM) {
          return new Outcome(status, headers, body.toString(StandardCharsets.UTF_8),
              java.nio.ByteBuffer.wrap(f.payload()).getInt(), false, false);
        }
        if (f.type() == DATA) {
          body.writeBytes(f.payload());
          if (f.payload().length > 0) {
            byte[] n = {0, 0, 0, 0};
            java.nio.ByteBuffer.wrap(n).putInt(f.payload().length);
            frame(WINDOW_UPDATE, 0, 0, n);
            frame(WINDOW_UPDATE, 0, stream, n);
          }
        }
        if ((f.flags() & END_STREAM) != 0 && (f.type() == DATA || f.type() == HEADERS) && status >= 200) {
          return new Outcome(status, headers, body.toString(StandardCharsets.UTF_8), -1, false, false);
        }
      }
    } catch (SocketTimeoutException e) {
      return new Outcome(status, headers, body.toString(StandardCharsets.UTF_8), -1, false, false);
    } catch (IOException e) {
      return new Outcome(status, headers, body.toString(StandardCharsets.UTF_8), -1, false, true);
    }
  }

  /** A HEADERS frame's block without padding and priority. */
  private static byte[] headerFragment(Frame f) {
    byte[] p = f.payload();
    if (f.type() != HEADERS) {
      return p;
    }
    int from = 0;
    int to = p.length;
    if ((f.flags() & 0x8) != 0) {
      to -= p[0] & 0xff;
      from = 1;
    }
    if ((f.flags() & 0x20) != 0) {
      from += 5;
    }
    return java.util.Arrays.copyOfRange(p, from, to);
  }

  /** Whether the server closes the connection within {@code millis} (frames before the close are read and dropped). */
  boolean closedWithin(long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000;
    try {
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return false;
        }
        socket.setSoTimeout((int) left);
        if (next() == null) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException | UncheckedIOException e) {
      // UncheckedIOException: next() answers a SETTINGS or PING the server sent just before it
      // reset the connection, and that write fails ("Connection reset by peer"): closed too.
      return true;
    }
  }

  @Override public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a test socket
    }
  }
}
