package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.upstream.EndpointState;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetSocket;

/**
 * An HTTP/1.1 upgrade (WebSocket) carried through: the upgrade request goes upstream with its
 * {@code Upgrade} header; a 101 answer is relayed with the upstream's handshake headers and both
 * connections become one raw byte tunnel until either side closes. Any other answer is relayed
 * as a normal response.
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

  static Future<Void> open(Exchange ex, UpstreamClient upstream) {
    EndpointState endpoint = upstream.select(ex.request(), null);
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
        .compose(response -> response.statusCode() == 101 ? splice(ex, response) : ResponseRelay.relay(ex, response));
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

  private static Future<Void> splice(Exchange ex, HttpClientResponse response) {
    NetSocket upstreamSocket = response.netSocket();
    ex.response().headers().addAll(response.headers());
    ex.editResponseHead(ex.response().headers());
    return ex.request().toNetSocket().compose(client -> {
      Promise<Void> closed = Promise.promise();
      client.closeHandler(v -> upstreamSocket.close());
      upstreamSocket.closeHandler(v -> {
        client.close();
        closed.tryComplete();
      });
      client.pipeTo(upstreamSocket);
      upstreamSocket.pipeTo(client);
      return closed.future();
    }, e -> {
      upstreamSocket.close();
      return Future.failedFuture(e);
    });
  }
}
