package io.gatehouse.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The headers a request carries upstream: the client's, minus hop-by-hop headers (RFC 9110
 * §7.6.1, including any the client named in {@code Connection}), plus {@code x-forwarded-for}
 * (appended), {@code te: trailers} when the client offered it (gRPC needs it end to end, as in
 * Envoy), {@code x-forwarded-proto} and {@code x-forwarded-host} (set: an edge proxy must
 * not trust a client's claim), {@code x-request-id}, and {@code x-forwarded-client-cert} (only
 * ever the gateway's own, from a verified client certificate; a client's is removed).
 */
public final class ForwardedHeaders {
  /** Case-insensitive, so a lookup allocates nothing (header names arrive in any case). */
  private static final Set<String> HOP_BY_HOP = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

  static {
    HOP_BY_HOP.addAll(List.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade", "proxy-authorization", "proxy-authenticate", "http2-settings"));
  }

  private ForwardedHeaders() {}

  static MultiMap outgoing(Exchange ex) {
    HttpServerRequest request = ex.request();
    MultiMap in = request.headers();
    String connection = in.get(HttpHeaders.CONNECTION);
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> header : in) {
      String name = header.getKey();
      if (!isHopByHop(name, connection) && !name.startsWith(":")) {
        out.add(name, header.getValue());
      }
    }
    out.remove(HttpHeaders.HOST);
    String te = in.get("te");
    if (te != null && namesToken(te, "trailers")) {
      out.set("te", "trailers"); // the one TE value that crosses hops: gRPC servers require it
    }
    SocketAddress client = request.remoteAddress();
    if (client != null) {
      String previous = out.get("x-forwarded-for");
      String address = client.hostAddress();
      out.set("x-forwarded-for", previous == null ? address : previous + ", " + address);
    }
    out.set("x-forwarded-proto", request.isSSL() ? "https" : "http");
    HostAndPort authority = request.authority();
    if (authority != null) {
      out.set("x-forwarded-host", authority.toString());
    }
    out.set("x-request-id", ex.requestId());
    out.remove(ClientCertHeader.NAME);
    String clientCert = ex.clientCert();
    if (clientCert != null) {
      out.set(ClientCertHeader.NAME, clientCert);
    }
    return out;
  }

  /** Copies upstream response headers to the client's response, minus hop-by-hop ones. */
  static void copyResponseHeaders(MultiMap from, MultiMap to) {
    String connection = from.get(HttpHeaders.CONNECTION);
    for (Map.Entry<String, String> header : from) {
      if (!isHopByHop(header.getKey(), connection)) {
        to.add(header.getKey(), header.getValue());
      }
    }
  }

  /** Whether a header is hop-by-hop: a fixed set, or named in the {@code Connection} header. */
  public static boolean isHopByHop(String name, String connectionHeader) {
    if (HOP_BY_HOP.contains(name)) {
      return true;
    }
    return connectionHeader != null && namesToken(connectionHeader, name);
  }

  /** Whether the comma-separated {@code list} has {@code token} as an element (case-insensitive); allocates nothing. */
  private static boolean namesToken(String list, String token) {
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
      if (to - from == token.length() && list.regionMatches(true, from, token, 0, token.length())) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }
}
