package io.gatehouse.gateway.upstream;

import io.gatehouse.routes.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * A live upstream: its endpoints, its balancer and one pooled Vert.x client (keep-alive
 * connections per endpoint). Built once per distinct {@link Upstream} config and reused by
 * every snapshot whose config for it is equal, so a reload keeps warm connections.
 */
public final class UpstreamClient {
  /** Connections per endpoint; Vert.x's default of 5 would queue requests under any load. */
  static final int POOL_SIZE = 1024;
  static final int CONNECT_TIMEOUT_MILLIS = 5_000;

  private final Upstream config;
  private final HttpClient client;
  private final EndpointState[] endpoints;
  private final Balancer balancer;

  private UpstreamClient(Upstream config, HttpClient client) {
    this.config = config;
    this.client = client;
    this.endpoints = config.endpoints().stream().map(EndpointState::new).toArray(EndpointState[]::new);
    this.balancer = Balancer.of(config.loadBalancer());
  }

  /** Creates the client for {@code config}; fails fast on what this build does not support. */
  public static UpstreamClient start(Vertx vertx, Upstream config) {
    Objects.requireNonNull(config, "config");
    Balancer.of(config.loadBalancer());
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
        .setMaxHeaderSize(32 * 1024)
        .setDecompressionSupported(false);
    if (config.tls().enabled()) {
      UpstreamTlsOptions.apply(options, config.tls());
    }
    HttpClient client = vertx.httpClientBuilder()
        .with(options)
        .with(new PoolOptions().setHttp1MaxSize(POOL_SIZE))
        .build();
    return new UpstreamClient(config, client);
  }

  public String name() {
    return config.name();
  }

  public Upstream config() {
    return config;
  }

  /** The endpoints, in config order: for the admin API's view of live upstreams. */
  public java.util.List<EndpointState> endpoints() {
    return java.util.List.of(endpoints);
  }

  /** An endpoint for the next request, avoiding {@code avoid} when there is another; null when none. */
  public EndpointState select(EndpointState avoid) {
    if (endpoints.length == 0) {
      return null;
    }
    return endpoints[balancer.pick(endpoints, avoid)];
  }

  /** A request to {@code endpoint} on a pooled connection (fails on connect failure). */
  public Future<HttpClientRequest> request(EndpointState endpoint, RequestOptions options) {
    options.setServer(endpoint.address());
    if (config.tls().enabled()) {
      // The peer name for SNI and certificate verification (and part of the pool key).
      String sni = config.tls().sni();
      options.setHost(sni.isEmpty() ? endpoint.config().host() : sni).setPort(endpoint.config().port());
    }
    return client.request(options);
  }

  /** Stops taking requests and closes connections once in-flight ones finish or {@code grace} ends. */
  public Future<Void> close(Duration grace) {
    return client.shutdown(grace);
  }
}
