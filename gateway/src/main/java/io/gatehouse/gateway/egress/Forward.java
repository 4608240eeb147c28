package io.gatehouse.gateway.egress;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.ForwardedHeaders;
import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.proxy.IdleResponse;
import io.gatehouse.gateway.upstream.UpstreamResponse;
import io.gatehouse.gateway.upstream.VertxUpstreamRequest;
import io.gatehouse.gateway.proxy.Reason;
import io.gatehouse.gateway.proxy.ResponseRelay;
import io.gatehouse.routes.egress.Decision;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An allowed plain HTTP egress request sent on: to the first checked address that accepts (never
 * resolved again),
 * origin-form, with the client's headers minus hop-by-hop and {@code Proxy-*} ones and the
 * destination as Host; over verified TLS when the entry says {@code originateTls}. The
 * response streams back as the ingress relays one.
 */
final class Forward {
  private Forward() {}

  /**
   * Sends the request; {@code idleTimeout} (the listener's tunnel idle timeout) bounds each wait
   * for the destination: for the response head (504 {@code upstream_response_timeout}) and for
   * every chunk of its body (the response is cut off).
   */
  static Future<Void> send(Exchange ex, Destination d, Decision decision, List<InetAddress> addresses, int port,
                           EgressClients clients, Duration idleTimeout) {
    HttpServerRequest request = ex.request();
    boolean tls = decision.originateTls();
    HttpClient client = tls ? clients.tls(decision.caCert()) : clients.plain();
    if (client == null) {
      return Future.failedFuture(new GatewayException(Reason.UPSTREAM_TLS_FAILURE,
          "no TLS client for CA " + decision.caCert() + " (the config writer prepares one before install)"));
    }
    ex.attempted();
    return CheckedAddress.firstAccepting(addresses, port, server -> {
          ex.endpoint(server.toString());
          return client.request(new RequestOptions().setMethod(request.method()).setURI(ex.upstreamUri())
              .setServer(server).setHost(d.host()).setPort(port));
        })
        .recover(e -> Future.failedFuture(GatewayException.connectFailure(d.label(), e)))
        .compose(upstream -> {
          copyHeaders(request, upstream.headers());
          int defaultPort = tls ? 443 : Destination.HTTP_PORT;
          upstream.authority(HostAndPort.create(d.host(), port == defaultPort ? -1 : port));
          // From here, each wait for the destination (its head, then every chunk) is bounded.
          IdleResponse idle = idleTimeout.toMillis() > 0
              ? new IdleResponse(new VertxUpstreamRequest(upstream), idleTimeout.toMillis()) : null;
          writeBody(request, upstream);
          Future<Void> relayed = upstream.response().<UpstreamResponse>map(VertxUpstreamRequest.Response::new)
              .recover(e -> Future.failedFuture(new GatewayException(
                  e instanceof java.util.concurrent.TimeoutException ? Reason.UPSTREAM_RESPONSE_TIMEOUT : Reason.UPSTREAM_RESET,
                  ex.endpoint() + ": " + e.getMessage())))
              .compose(response -> idle == null ? ResponseRelay.relay(ex, response)
                  : ResponseRelay.relay(ex, response, idle.body(response)));
          return idle == null ? relayed : relayed.andThen(ar -> idle.stop());
        });
  }

  private static void copyHeaders(HttpServerRequest request, MultiMap out) {
    String connection = request.getHeader(HttpHeaders.CONNECTION);
    for (Map.Entry<String, String> header : request.headers()) {
      String name = header.getKey();
      if (!ForwardedHeaders.isHopByHop(name, connection) && !name.toLowerCase(Locale.ROOT).startsWith("proxy-")
          && !name.equalsIgnoreCase("host")) {
        out.add(name, header.getValue());
      }
    }
  }

  private static void writeBody(HttpServerRequest request, HttpClientRequest upstream) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    String te = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
    boolean chunked = te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
    if (length == null && !chunked) {
      upstream.end();
      return;
    }
    if (length == null) {
      upstream.setChunked(true);
    }
    request.pipeTo(upstream).onFailure(e -> upstream.reset());
  }
}
