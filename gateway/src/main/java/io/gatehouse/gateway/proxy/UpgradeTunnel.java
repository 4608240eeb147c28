package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.tcp.Tunnel;
import io.gatehouse.gateway.upstream.EndpointState;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.gatehouse.gateway.upstream.VertxUpstreamRequest;
import io.gatehouse.routes.Listener;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 upgrade (WebSocket) carried through: the upgrade request goes upstream with its
 * {@code Upgrade} header; a 101 answer is relayed with the upstream's handshake headers and both
 * connections become one raw byte {@link Tunnel}, with the listener's tunnel limits (idle
 * timeout, maximum duration) and its bytes counted, as CONNECT and passthrough tunnels. The
 * gateway's own closes (those limits, the end of a drain) are WebSocket closes, 1001 "going
 * away" to both sides. Any other answer is relayed as a normal response.
 */
final class UpgradeTunnel {
  private UpgradeTunnel() {}

  /**
   * Whether the request asks for a WebSocket upgrade (RFC 6455 §4.1), the one upgrade the gateway
   * carries through. Any other {@code Upgrade} (and {@code h2c}, which the listener answers itself)
   * is a plain request, and the header, being hop-by-hop, does not go upstream.
   */
  static boolean isUpgrade(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_1_1) {
      return false;
    }
    String upgrade = request.getHeader(HttpHeaders.UPGRADE);
    return upgrade != null && ForwardedHeaders.namesToken(upgrade, "websocket");
  }

  static Future<Void> open(Vertx vertx, Exchange ex, UpstreamClient upstream, TunnelMetrics metrics) {
    EndpointState endpoint = upstream.select(ex.request(), null, ex.pinnedEndpoint());
    if (endpoint == null) {
      return Future.failedFuture(new GatewayException(Reason.NO_HEALTHY_UPSTREAM, upstream.name() + " has no endpoints"));
    }
    HttpServerRequest request = ex.request();
    MultiMap headers = ex.upstreamHeaders();
    headers.set(HttpHeaders.CONNECTION, "Upgrade");
    headers.set(HttpHeaders.UPGRADE, request.getHeader(HttpHeaders.UPGRADE));
    RequestOptions options = new RequestOptions().setMethod(request.method()).setURI(ex.upstreamUri()).setHeaders(headers);
    ex.attempted();
    ex.endpoint(endpoint.label());
    endpoint.started();
    Future<Void> tunnel = upstream.request(endpoint, options)
        .recover(e -> Future.failedFuture(GatewayException.connectFailure(endpoint.label(), e)))
        .compose(upstreamRequest -> connect(ex, upstreamRequest))
        .compose(response -> response.statusCode() == 101 ? splice(vertx, ex, response, metrics) : ResponseRelay.relay(ex, new VertxUpstreamRequest.Response(response)));
    return tunnel.onComplete(v -> endpoint.finished());
  }

  private static Future<HttpClientResponse> connect(Exchange ex, HttpClientRequest upstreamRequest) {
    String host = ex.upstreamHost();
    HostAndPort authority = ex.request().authority();
    if (host != null) {
      upstreamRequest.authority(HostAndPort.create(host, -1));
    } else if (authority != null) {
      upstreamRequest.authority(authority);
    }
    // Failures before the 101 fail connect(); once tunnelled, the socket's close is the signal, so the
    // request's own "connection was closed" report is expected and not an error to log.
    upstreamRequest.exceptionHandler(e -> { });
    return upstreamRequest.connect()
        .recover(e -> Future.failedFuture(new GatewayException(Reason.UPSTREAM_RESET, "upgrade: " + e.getMessage())));
  }

  private static Future<Void> splice(Vertx vertx, Exchange ex, HttpClientResponse response, TunnelMetrics metrics) {
    NetSocket upstreamSocket = response.netSocket();
    upstreamSocket.pause();
    ex.response().headers().addAll(response.headers());
    ex.editResponseHead(ex.response().headers());
    HttpConnection connection = ex.request().connection();
    return ex.request().toNetSocket().compose(client -> {
      client.pause();
      ex.tunnelled(true);
      if (connection instanceof ConnectionBase base && base.channel().pipeline().get(ConnectionIdle.NAME) != null) {
        // The tunnel's idle timeout governs from now on (with a WebSocket close), not the listener's connection one.
        base.channel().pipeline().remove(ConnectionIdle.NAME);
      }
      AtomicLong active = metrics.active(ex.listener());
      active.incrementAndGet();
      return Tunnel.spliceWebSocket(vertx, client, upstreamSocket, limits(ex)).map(result -> {
        active.decrementAndGet();
        ex.tunnelBytes(result.bytesFromClient(), result.bytesToClient());
        metrics.bytes(ex.listener(), result.bytesFromClient(), result.bytesToClient());
        if (!result.end().equals("closed")) {
          ex.failure("tunnel_" + result.end());
        }
        if (result.end().equals("idle_timeout") || result.end().equals("max_duration")) {
          metrics.limitReached(ex.listener(), ex.route(), "tunnel_" + result.end());
        }
        return null;
      });
    }, e -> {
      upstreamSocket.close();
      return Future.failedFuture(e);
    });
  }

  /** The tunnel limits of the listener the request came in on (the WebSocket defaults if the snapshot no longer has it). */
  private static Listener.Tunnels limits(Exchange ex) {
    for (Listener listener : ex.snapshot().config().listeners()) {
      if (listener.name().equals(ex.listener())) {
        return listener.tunnels();
      }
    }
    return Listener.Tunnels.WEBSOCKET;
  }
}
