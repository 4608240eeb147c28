package io.gatehouse.perf.bare;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyOptions;

/**
 * Reverse proxy built on io.vertx:vertx-http-proxy: the server's request handler is
 * {@code HttpProxy.reverseProxy(client).origin(port, host)}, no interceptors.
 *
 * <p>{@code VertxHttpProxyMain PORT BACKEND_HOST BACKEND_PORT}. System property {@code -Dproxy.tuned=true}
 * builds the proxy with {@code ProxyOptions().setSupportWebSocket(false)} (the response cache and the
 * forwarded headers are already off by default in 5.1.x, so that is the only knob left on the hot path).
 */
public final class VertxHttpProxyMain {
  public static void main(String[] args) {
    int[] p = Common.ports(args, "VertxHttpProxyMain");
    int port = p[0], backendPort = p[1];
    String backendHost = args[1];
    boolean tuned = Boolean.getBoolean("proxy.tuned");
    Vertx vertx = Common.vertx();
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        HttpClient client = Common.client(vertx, backendHost, backendPort);
        HttpProxy proxy = tuned
          ? HttpProxy.reverseProxy(new ProxyOptions().setSupportWebSocket(false), client)
          : HttpProxy.reverseProxy(client);
        proxy.origin(backendPort, backendHost);
        return vertx.createHttpServer(Common.serverOptions(port)).requestHandler(proxy).listen();
      }
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        System.out.println("VertxHttpProxyMain" + (tuned ? " (tuned)" : "") + " listening on 127.0.0.1:" + port
          + " -> " + backendHost + ":" + backendPort);
      } else {
        ar.cause().printStackTrace();
        System.exit(1);
      }
    });
  }
}
