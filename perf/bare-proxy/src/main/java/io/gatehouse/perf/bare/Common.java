package io.gatehouse.perf.bare;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;

/** Settings shared by both proxies so that only the request path differs. */
final class Common {
  private Common() {}

  /** Exactly one event loop, native transport preferred. */
  static Vertx vertx() {
    Vertx vertx = Vertx.vertx(new VertxOptions()
      .setEventLoopPoolSize(1)
      .setWorkerPoolSize(1)
      .setInternalBlockingPoolSize(1)
      .setPreferNativeTransport(true));
    System.out.println("nativeTransport=" + vertx.isNativeTransportEnabled()
      + (vertx.isNativeTransportEnabled() ? "" : " cause=" + vertx.unavailableNativeTransportCause()));
    return vertx;
  }

  /** Keep-alive pooled HTTP/1.1 client to the backend. */
  static HttpClient client(Vertx vertx, String host, int port) {
    HttpClientOptions o = new HttpClientOptions()
      .setKeepAlive(true)
      .setKeepAliveTimeout(60)
      .setPipelining(false)
      .setTcpNoDelay(true)
      .setDefaultHost(host)
      .setDefaultPort(port);
    return vertx.createHttpClient(o, new PoolOptions().setHttp1MaxSize(256));
  }

  static HttpServerOptions serverOptions(int port) {
    return new HttpServerOptions()
      .setHost("127.0.0.1")
      .setPort(port)
      .setTcpNoDelay(true)
      .setIdleTimeout(0);
  }

  static int[] ports(String[] args, String usage) {
    if (args.length != 3) {
      System.err.println("usage: " + usage + " PORT BACKEND_HOST BACKEND_PORT");
      System.exit(2);
    }
    return new int[] {Integer.parseInt(args[0]), Integer.parseInt(args[2])};
  }
}
