package io.gatehouse.gateway.upstream;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.vertx.core.http.HttpMethod;
import java.util.Arrays;
import java.util.Locale;

/**
 * Netty's response decoder for one {@link H1Connection}, in place of {@code HttpClientCodec}'s:
 * the same parsing and limits, with two differences.
 *
 * <ul>
 *   <li>Which request a response answers comes from the connection's current exchange, not from
 *       a queue of the methods written: a response to {@code HEAD} has no body whatever its
 *       framing fields say (RFC 9110 §9.3.2), and a 200 to {@code CONNECT} none either,
 *       as Netty's codec had it.
 *   <li>The status line's words and the usual header names are shared constants, compared byte
 *       for byte, instead of a new string per word and a new {@link AsciiString} per name for
 *       every response: a name that differs in any byte (case included) is copied as before, so
 *       what is relayed is exactly what the upstream sent.
 * </ul>
 */
final class H1ResponseDecoder extends HttpResponseDecoder {
  /** Names answers usually carry, in the spelling most servers use and in lower case. */
  private static final AsciiString[] NAMES = names("Date", "Server", "Content-Type", "Content-Length", "Connection",
      "Keep-Alive", "Transfer-Encoding", "Content-Encoding", "Cache-Control", "Last-Modified", "ETag", "Vary",
      "Accept-Ranges", "Expires", "Location", "Set-Cookie", "Age");
  /** The three-digit codes as text, by code: a status word that matches one is not copied. */
  private static final String[] CODES = new String[600];

  static {
    for (int code = 100; code < CODES.length; code++) {
      CODES[code] = Integer.toString(code);
    }
  }

  private final H1Connection connection;
  /** The code of the status line being split, for its reason phrase. */
  private int code;

  H1ResponseDecoder(HttpDecoderConfig config, H1Connection connection) {
    super(config);
    this.connection = connection;
  }

  @Override protected boolean isContentAlwaysEmpty(HttpMessage message) {
    HttpResponseStatus status = ((HttpResponse) message).status();
    if (status.codeClass() != HttpStatusClass.INFORMATIONAL) {
      H1Exchange exchange = connection.current;
      HttpMethod method = exchange == null ? null : exchange.method();
      if (method == HttpMethod.HEAD || (method == HttpMethod.CONNECT && status.code() == 200)) {
        return true;
      }
    }
    return super.isContentAlwaysEmpty(message);
  }

  @Override protected String splitFirstWordInitialLine(byte[] line, int start, int length) {
    String http11 = HttpVersion.HTTP_1_1.text(); // the very string Netty's version look-up answers first
    return same(line, start, length, http11) ? http11 : super.splitFirstWordInitialLine(line, start, length);
  }

  @Override protected String splitSecondWordInitialLine(byte[] line, int start, int length) {
    code = -1;
    if (length == 3) {
      int value = digit(line[start]) * 100 + digit(line[start + 1]) * 10 + digit(line[start + 2]);
      if (value >= 100 && value < CODES.length) {
        code = value;
        return CODES[value];
      }
    }
    return super.splitSecondWordInitialLine(line, start, length);
  }

  @Override protected String splitThirdWordInitialLine(byte[] line, int start, int length) {
    if (code > 0) {
      String standard = HttpResponseStatus.valueOf(code).reasonPhrase();
      if (same(line, start, length, standard)) {
        return standard;
      }
    }
    return super.splitThirdWordInitialLine(line, start, length);
  }

  @Override protected AsciiString splitHeaderName(byte[] line, int start, int length) {
    for (AsciiString name : NAMES) {
      if (name.length() == length
          && Arrays.equals(line, start, start + length, name.array(), name.arrayOffset(), name.arrayOffset() + length)) {
        return name;
      }
    }
    return super.splitHeaderName(line, start, length);
  }

  /** A value outside 0-9 makes the code out of range. */
  private static int digit(byte b) {
    return b >= '0' && b <= '9' ? b - '0' : -1000;
  }

  /** Whether the line from {@code start} holds {@code text}'s (ASCII) characters; no string is made. */
  private static boolean same(byte[] line, int start, int length, String text) {
    if (text.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (line[start + i] != text.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Each name as given and in lower case (as HTTP/2-minded servers send them). */
  private static AsciiString[] names(String... usual) {
    AsciiString[] all = new AsciiString[usual.length * 2];
    for (int i = 0; i < usual.length; i++) {
      all[2 * i] = AsciiString.cached(usual[i]);
      all[2 * i + 1] = AsciiString.cached(usual[i].toLowerCase(Locale.ROOT));
    }
    return all;
  }
}
