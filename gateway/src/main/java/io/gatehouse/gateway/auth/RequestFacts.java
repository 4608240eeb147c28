package io.gatehouse.gateway.auth;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.routes.auth.AuthzRequest;
import io.netty.util.NetUtil;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.util.List;

/**
 * What the authorization policies see of an exchange: its listener and route, method, authority,
 * path, the connection's addresses and SNI, the client certificate's SPIFFE identity (from the
 * gateway's own {@code x-forwarded-client-cert} view) and the verified JWT, if any. Addresses are
 * worked out only when a policy asks. {@code sourceIp} is the direct peer (the connection's, or the
 * PROXY protocol's when the listener takes it); {@code remoteIp} is the client as the listener's
 * trusted hops establish it from {@code X-Forwarded-For} (Istio's {@code remote.ip} with
 * {@code numTrustedProxies}), the peer when no hop is trusted.
 */
final class RequestFacts implements AuthzRequest {
  private static final byte[] NONE = new byte[0];

  private final Exchange ex;
  private final Verified token;
  private byte[] source;
  private byte[] remote;
  private byte[] destination;

  RequestFacts(Exchange ex, Verified token) {
    this.ex = ex;
    this.token = token;
  }

  @Override public String listener() {
    return ex.listener();
  }

  @Override public String route() {
    return ex.route();
  }

  @Override public String method() {
    return ex.method();
  }

  @Override public String authority() {
    String host = ex.request().getHeader("host");
    if (host != null) {
      return host;
    }
    return ex.request().authority() == null ? "" : ex.request().authority().toString();
  }

  @Override public String path() {
    return ex.path();
  }

  @Override public int port() {
    SocketAddress local = ex.request().localAddress();
    return local == null ? 0 : local.port();
  }

  @Override public String principal() {
    return spiffe(ex.clientCert());
  }

  /** The first {@code URI=spiffe://…} of an XFCC value, without the scheme; "" when none. */
  static String spiffe(String xfcc) {
    if (xfcc == null) {
      return "";
    }
    int at = xfcc.indexOf(";URI=spiffe://");
    if (at < 0) {
      return "";
    }
    int start = at + ";URI=spiffe://".length();
    int end = xfcc.indexOf(';', start);
    return end < 0 ? xfcc.substring(start) : xfcc.substring(start, end);
  }

  @Override public String requestPrincipal() {
    return token == null ? "" : token.principal();
  }

  @Override public byte[] sourceIp() {
    if (source == null) {
      source = bytes(ex.request().remoteAddress());
    }
    return source;
  }

  @Override public byte[] remoteIp() {
    if (remote == null) {
      remote = literal(ex.clientAddress());
    }
    return remote;
  }

  @Override public byte[] destinationIp() {
    if (destination == null) {
      destination = bytes(ex.request().localAddress());
    }
    return destination;
  }

  private static byte[] bytes(SocketAddress address) {
    return literal(address == null ? null : address.hostAddress());
  }

  /**
   * The bytes of an IP literal (an IPv4-mapped IPv6 address as IPv4, as the JDK gives it); empty for
   * anything else. Never a lookup: a name in {@code X-Forwarded-For} is not an address.
   */
  private static byte[] literal(String literal) {
    InetAddress address = literal == null || literal.isEmpty() ? null : NetUtil.createInetAddressFromIpAddressString(literal);
    return address == null ? NONE : address.getAddress();
  }

  @Override public String sni() {
    String sni = ex.request().isSSL() ? ex.request().connection().indicatedServerName() : null;
    return sni == null ? "" : sni;
  }

  @Override public String header(String name) {
    return ex.header(name);
  }

  @Override public List<String> claim(List<String> path) {
    return token == null ? List.of() : token.claim(path);
  }
}
