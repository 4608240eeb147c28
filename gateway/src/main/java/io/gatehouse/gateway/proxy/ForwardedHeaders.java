package io.gatehouse.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The headers a request carries upstream: the client's, minus hop-by-hop headers (RFC 9110
 * §7.6.1, including any the client named in {@code Connection}) and, by default, names with
 * {@code _} (CGI and WSGI backends read {@code X_Forwarded_For} as {@code X-Forwarded-For}); plus
 * {@code te: trailers} when the client offered it (gRPC needs it end to end, as in Envoy),
 * {@code x-request-id}, {@code x-forwarded-client-cert} (only ever the gateway's own, from a
 * verified client certificate; a client's is removed), and the forwarding headers, which are the
 * gateway's own unless the peer is a trusted proxy ({@link ClientTrust}):
 * <ul>
 *   <li>{@code x-forwarded-for}: the peer address, appended to a trusted peer's list;
 *   <li>{@code x-real-ip}: the client address (a trusted peer's list decides it);
 *   <li>{@code x-forwarded-proto}, {@code x-forwarded-host}: this hop's, unless a trusted peer set them;
 *   <li>{@code forwarded} (RFC 7239): this hop's element, appended to a trusted peer's list.
 * </ul>
 */
public final class ForwardedHeaders {
  private static final AsciiString XFF = AsciiString.cached("x-forwarded-for");
  private static final AsciiString XFP = AsciiString.cached("x-forwarded-proto");
  private static final AsciiString XFH = AsciiString.cached("x-forwarded-host");
  private static final AsciiString REAL_IP = AsciiString.cached("x-real-ip");
  private static final AsciiString FORWARDED = AsciiString.cached("forwarded");
  /** The last {@link Hop} each event loop made. */
  private static final FastThreadLocal<Hop> LAST_HOP = new FastThreadLocal<>();

  private ForwardedHeaders() {}

  static MultiMap outgoing(Exchange ex) {
    HttpServerRequest request = ex.request();
    Edge edge = ex.edge();
    MultiMap in = request.headers();
    String connection = in.get(HttpHeaderNames.CONNECTION);
    boolean dropUnderscores = edge.dropsUnderscoreHeaders();
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (var fields = HeaderFields.of(in); fields.hasNext(); ) {
      Map.Entry<? extends CharSequence, ? extends CharSequence> header = fields.next();
      if (forwards(header.getKey(), connection, dropUnderscores)) {
        out.add(header.getKey(), header.getValue());
      }
    }
    out.remove(HttpHeaderNames.HOST);
    String te = in.get("te");
    if (te != null && namesToken(te, "trailers")) {
      out.set("te", "trailers"); // the one TE value that crosses hops: gRPC servers require it
    }
    forwarding(request, ex.peer(), edge.trust(), out);
    String originalPath = edge.originalPathHeader();
    if (!originalPath.isEmpty()) {
      out.remove(originalPath);
      if (ex.path() != request.path()) {
        out.set(originalPath, request.uri());
      }
    }
    out.set(RequestIds.HEADER, ex.requestId());
    out.remove(ClientCertHeader.NAME);
    String clientCert = ex.clientCert();
    if (clientCert != null) {
      out.set(ClientCertHeader.NAME, clientCert);
    }
    return out;
  }

  private static boolean forwards(CharSequence name, String connection, boolean dropUnderscores) {
    return !isHopByHop(name, connection) && !(name.length() > 0 && name.charAt(0) == ':')
        && !(dropUnderscores && AsciiString.indexOf(name, '_', 0) >= 0);
  }

  /** The forwarding headers of this hop; a trusted peer's are kept and appended to, anyone else's replaced. */
  private static void forwarding(HttpServerRequest request, String peer, ClientTrust trust, MultiMap out) {
    boolean trusted = peer != null && trust.trusts(peer);
    Hop hop = hop(peer, request.authority(), request.isSSL() ? "https" : "http");
    String proto = hop.proto;
    String host = hop.host;
    if (!trusted) {
      if (peer != null) {
        out.set(XFF, peer);
        out.set(REAL_IP, peer);
      } else {
        out.remove(XFF).remove(REAL_IP);
      }
      out.set(XFP, proto);
      if (host != null) {
        out.set(XFH, host);
      } else {
        out.remove(XFH);
      }
      out.set(FORWARDED, hop.element);
      return;
    }
    String forwardedFor = joined(out, XFF);
    out.set(XFF, forwardedFor == null ? peer : forwardedFor + ", " + peer);
    out.set(REAL_IP, trust.client(forwardedFor, peer));
    if (!out.contains(XFP)) {
      out.set(XFP, proto);
    }
    if (!out.contains(XFH) && host != null) {
      out.set(XFH, host);
    }
    String forwarded = joined(out, FORWARDED);
    out.set(FORWARDED, forwarded == null ? hop.element : forwarded + ", " + hop.element);
  }

  /**
   * This hop's values: the peer, the request's authority and scheme, the {@code Host} text and the
   * RFC 7239 element made of them. Each event loop keeps the last one it made and reuses it while
   * they repeat, as a keep-alive client's do request after request.
   */
  private record Hop(String peer, String authorityHost, int port, String proto, String host, String element) {
    boolean is(String peer, String authorityHost, int port, String proto) {
      return this.port == port && this.proto.equals(proto) && Objects.equals(this.peer, peer)
          && Objects.equals(this.authorityHost, authorityHost);
    }
  }

  private static Hop hop(String peer, HostAndPort authority, String proto) {
    String authorityHost = authority == null ? null : authority.host();
    int port = authority == null ? -1 : authority.port();
    Hop last = LAST_HOP.get();
    if (last != null && last.is(peer, authorityHost, port, proto)) {
      return last;
    }
    String host = authority == null ? null : authority.toString();
    Hop hop = new Hop(peer, authorityHost, port, proto, host, element(peer, host, proto));
    LAST_HOP.set(hop);
    return hop;
  }

  /** Every line of a list header as one comma-separated value (RFC 9110 §5.3), or null. */
  private static String joined(MultiMap headers, CharSequence name) {
    List<String> values = headers.getAll(name);
    return values.isEmpty() ? null : values.size() == 1 ? values.get(0) : String.join(", ", values);
  }

  /** This hop's RFC 7239 element: {@code for}, {@code host}, {@code proto}; values quoted where §4 needs it. */
  static String element(String peer, String host, String proto) {
    StringBuilder out = new StringBuilder(64);
    if (peer != null) {
      out.append("for=");
      if (peer.indexOf(':') >= 0) {
        out.append("\"[").append(peer).append("]\""); // §6: an IPv6 address is bracketed, so quoted
      } else {
        out.append(peer);
      }
      out.append(';');
    }
    if (host != null) {
      out.append("host=");
      appendValue(out, host);
      out.append(';');
    }
    return out.append("proto=").append(proto).toString();
  }

  /** A token as is; anything else (a port's {@code :}, brackets) as a quoted-string (RFC 7230 §3.2.6). */
  private static void appendValue(StringBuilder out, String value) {
    boolean token = !value.isEmpty();
    for (int i = 0; i < value.length() && token; i++) {
      char c = value.charAt(i);
      token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
    if (token) {
      out.append(value);
      return;
    }
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    out.append('"');
  }

  /** Copies upstream response headers to the client's response, minus hop-by-hop ones. */
  static void copyResponseHeaders(MultiMap from, MultiMap to) {
    String connection = from.get(HttpHeaderNames.CONNECTION);
    for (var fields = HeaderFields.of(from); fields.hasNext(); ) {
      Map.Entry<? extends CharSequence, ? extends CharSequence> header = fields.next();
      if (!isHopByHop(header.getKey(), connection)) {
        to.add(header.getKey(), header.getValue());
      }
    }
  }

  /**
   * Whether a header is hop-by-hop: one of RFC 9110's and the proxy ones ({@code connection},
   * {@code keep-alive}, {@code proxy-connection}, {@code te}, {@code trailer},
   * {@code transfer-encoding}, {@code upgrade}, {@code proxy-authorization},
   * {@code proxy-authenticate}, {@code http2-settings}, in any case), or named in the
   * {@code Connection} header. Picked by length first: most names are none of them.
   */
  public static boolean isHopByHop(CharSequence name, String connectionHeader) {
    boolean fixed = switch (name.length()) {
      case 2 -> AsciiString.contentEqualsIgnoreCase(name, "te");
      case 7 -> AsciiString.contentEqualsIgnoreCase(name, "trailer") || AsciiString.contentEqualsIgnoreCase(name, "upgrade");
      case 10 -> AsciiString.contentEqualsIgnoreCase(name, "connection") || AsciiString.contentEqualsIgnoreCase(name, "keep-alive");
      case 14 -> AsciiString.contentEqualsIgnoreCase(name, "http2-settings");
      case 16 -> AsciiString.contentEqualsIgnoreCase(name, "proxy-connection");
      case 17 -> AsciiString.contentEqualsIgnoreCase(name, "transfer-encoding");
      case 18 -> AsciiString.contentEqualsIgnoreCase(name, "proxy-authenticate");
      case 19 -> AsciiString.contentEqualsIgnoreCase(name, "proxy-authorization");
      default -> false;
    };
    return fixed || connectionHeader != null && namesToken(connectionHeader, name);
  }

  /** Whether the comma-separated {@code list} has {@code token} as an element (case-insensitive); allocates nothing. */
  static boolean namesToken(String list, CharSequence token) {
    int n = list.length();
    int start = 0;
    while (start <= n) {
      int end = list.indexOf(',', start);
      if (end < 0) {
        end = n;
      }
      int from = start;
      int to = end;
      while (from < to && Character.isWhitespace(list.charAt(from))) {
        from++;
      }
      while (to > from && Character.isWhitespace(list.charAt(to - 1))) {
        to--;
      }
      if (to - from == token.length() && AsciiString.regionMatches(list, true, from, token, 0, token.length())) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }
}
