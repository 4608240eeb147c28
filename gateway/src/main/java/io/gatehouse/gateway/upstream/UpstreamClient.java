package io.gatehouse.gateway.upstream;

import io.gatehouse.certs.mesh.WorkloadIdentity;
import io.gatehouse.routes.CircuitBreaker;
import io.gatehouse.routes.Upstream;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A live upstream: its endpoints, its balancer, its keep-alive connections per endpoint (an
 * {@link H1Pool} on Netty for HTTP/1.1 in clear text; Vert.x's pooled client for HTTP/2, TLS and
 * protocol upgrades), and its resilience parts: health checker, outlier detector, circuit breaker with
 * retry budget. Built once per distinct {@link Upstream} config and reused by every snapshot
 * whose config for it is equal, so a reload keeps warm connections and endpoint health.
 */
public final class UpstreamClient {
  static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  /** HTTP/2 connections per endpoint; each multiplexes as many streams as the endpoint allows. */
  static final int HTTP2_POOL_SIZE = 4;

  /** How often a retired client looks whether its last request, stream or tunnel has ended. */
  static final long RETIRE_CHECK_MILLIS = 1_000;

  private final Vertx vertx;
  private final Upstream config;
  private final HttpClient client;
  /** The proxied requests' connections when the upstream speaks HTTP/1.1 in clear text (null otherwise). */
  private final H1Pool h1;
  private final EndpointSet endpoints;
  private final Balancer balancer;
  private final ConsistentHash hashing;
  private final Breaker breaker;
  private final OutlierDetector outliers;
  private final HealthChecker health;
  /** The workload identity a mesh upstream's TLS was built with (null otherwise); set once, by {@link #start}. */
  private WorkloadIdentity identity;

  private UpstreamClient(Vertx vertx, Upstream config, HttpClient client, HttpClientOptions options, MeterRegistry registry,
                         EndpointState[] all) {
    this.vertx = vertx;
    this.config = config;
    this.client = client;
    this.h1 = config.protocol() == Upstream.Protocol.HTTP2 || config.tls().enabled() ? null
        : new H1Pool(vertx, config.name(), config.circuitBreaker().maxConnections(), CONNECT_TIMEOUT_MILLIS);
    this.endpoints = new EndpointSet(all);
    this.balancer = Balancer.of(config.loadBalancer());
    this.hashing = config.loadBalancer() == Upstream.LoadBalancer.CONSISTENT_HASH
        ? new ConsistentHash(config.hashOn(), all) : null;
    UpstreamMeters meters = new UpstreamMeters(registry, config.name());
    this.breaker = new Breaker(config.circuitBreaker(), config.retryBudget(), meters);
    this.outliers = new OutlierDetector(config.outlierDetection(), endpoints, meters);
    if (config.healthCheck().enabled()) {
      HttpClient checks = vertx.httpClientBuilder().with(new HttpClientOptions(options).setKeepAlive(true))
          .with(new PoolOptions().setHttp1MaxSize(1)).build();
      this.health = new HealthChecker(vertx, checks, config.healthCheck(), endpoints,
          e -> target(e, new RequestOptions().setHost(e.config().host()).setPort(e.config().port())), outliers, meters,
          config.name());
      health.start();
    } else {
      this.health = null;
    }
  }

  /** Creates the client for {@code config} and starts its health checks, if any. */
  public static UpstreamClient start(Vertx vertx, Upstream config, MeterRegistry registry) {
    return start(vertx, config, registry, null);
  }

  /**
   * Creates the client for {@code config}; a mesh upstream (ISTIO_MUTUAL) presents and verifies
   * with {@code identity} (null: the gateway has none, and such an upstream is refused).
   */
  public static UpstreamClient start(Vertx vertx, Upstream config, MeterRegistry registry, WorkloadIdentity identity) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(registry, "registry");
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
        .setMaxHeaderSize(32 * 1024)
        .setDecompressionSupported(false);
    EndpointState[] all = config.endpoints().stream().map(EndpointState::new).toArray(EndpointState[]::new);
    if (config.tls().enabled()) {
      UpstreamTlsOptions.apply(options, config, identity, all);
    }
    if (config.protocol() == Upstream.Protocol.HTTP2) {
      // Prior knowledge in clear text (no Upgrade round trip), ALPN h2 over TLS.
      options.setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false).setUseAlpn(config.tls().enabled());
    }
    CircuitBreaker limits = config.circuitBreaker();
    var builder = vertx.httpClientBuilder()
        .with(options)
        .with(new PoolOptions().setHttp1MaxSize(limits.maxConnections()).setHttp2MaxSize(HTTP2_POOL_SIZE));
    if (config.protocol() == Upstream.Protocol.HTTP2) {
      builder.withConnectHandler(FlushConsolidation::install);
    }
    HttpClient client = builder.build();
    UpstreamClient started = new UpstreamClient(vertx, config, client, options, registry, all);
    started.identity = config.tls().mesh() ? identity : null;
    return started;
  }

  public String name() {
    return config.name();
  }

  public Upstream config() {
    return config;
  }

  /** Whether this client can serve {@code upstream} with {@code identity}: same config, same workload identity. */
  public boolean serves(Upstream upstream, WorkloadIdentity identity) {
    return config.equals(upstream) && (!config.tls().mesh() || this.identity == identity);
  }

  /** Every endpoint, in config order, with its live state (for metrics). */
  public List<EndpointState> endpoints() {
    return Arrays.asList(endpoints.all());
  }

  /** Whether this client's health checker runs (false without health checks and once closed). */
  public boolean checkingHealth() {
    return health != null && health.running();
  }

  /** Tries in flight to this upstream, waiting for a connection included. */
  public int activeRequests() {
    return breaker.requests.get();
  }

  /** Tries waiting for a connection. */
  public int pendingRequests() {
    return breaker.pending.get();
  }

  /**
   * An endpoint for the next try of {@code request}: healthy and not ejected, by the balancer (or
   * the request's hash), avoiding {@code avoid} when there is another; null when there are none.
   */
  public EndpointState select(HttpServerRequest request, EndpointState avoid) {
    return select(request, avoid, "");
  }

  /**
   * As {@link #select(HttpServerRequest, EndpointState)}, but the endpoint labelled {@code pinned}
   * (a sticky session's) when it is one of ours, available now and not {@code avoid}.
   */
  public EndpointState select(HttpServerRequest request, EndpointState avoid, String pinned) {
    if (endpoints.all().length == 0) {
      return null;
    }
    long now = System.nanoTime();
    if (!pinned.isEmpty()) {
      for (EndpointState e : endpoints.all()) {
        if (e != avoid && e.label().equals(pinned) && e.available(now)) {
          return e;
        }
      }
    }
    EndpointSet.Candidates candidates = endpoints.candidates(now);
    if (hashing != null && request != null) {
      EndpointState chosen = hashing.pick(request, candidates, now, avoid);
      if (chosen != null) {
        return chosen;
      }
    }
    EndpointState[] up = candidates.up();
    return up[balancer.pick(up, avoid)];
  }

  /**
   * Admits one try on {@code endpoint} through the circuit breaker; null when a limit is reached
   * (the caller answers 503 overflow). The attempt must be {@link Attempt#end() ended}.
   */
  public Attempt begin(EndpointState endpoint, boolean retry) {
    return breaker.admit(retry) ? new Attempt(endpoint, breaker, outliers, retry) : null;
  }

  /** Whether the retry budget allows one more retry now (a refusal is counted). */
  public boolean retryAllowed() {
    return breaker.retryAllowed();
  }

  /**
   * A retry has been decided and waits out its backoff: until {@link #retryWaited()} it counts
   * against the retry budget, so that retries decided at once cannot all pass it.
   */
  public void retryWaiting() {
    breaker.waiting.incrementAndGet();
  }

  /** The backoff of a retry is over (it begins now, or it was cancelled). */
  public void retryWaited() {
    breaker.waiting.decrementAndGet();
  }

  /**
   * A proxied request for {@code attempt} on a pooled connection (fails on connect failure):
   * {@code headers} are sent as they are when the head goes, with {@code Host} from
   * {@link UpstreamRequest#authority}. Runs on the calling request's event loop.
   */
  public Future<UpstreamRequest> request(Attempt attempt, HttpMethod method, String uri, MultiMap headers) {
    Future<UpstreamRequest> request;
    if (h1 != null) {
      request = h1.request(attempt.endpoint(), method, uri, headers);
    } else {
      request = request(attempt.endpoint(), new RequestOptions().setMethod(method).setURI(uri).setHeaders(headers))
          .map(VertxUpstreamRequest::new);
    }
    if (request.isComplete()) {
      attempt.connected(); // an idle connection (or a failure) at once: no transformation to allocate
      return request;
    }
    return request.andThen(ar -> attempt.connected());
  }

  /**
   * A request to {@code endpoint} outside the breaker's accounting (protocol upgrades). Fails,
   * never throws, once this client is closed: {@link #retire} waits for tries in flight and
   * retries waiting out their backoff, but a try that begins as it closes must still end.
   */
  public Future<HttpClientRequest> request(EndpointState endpoint, RequestOptions options) {
    try {
      return client.request(target(endpoint, options));
    } catch (IllegalStateException closed) {
      return Future.failedFuture(new IllegalStateException("upstream " + config.name() + " was retired by a reload", closed));
    }
  }

  private RequestOptions target(EndpointState endpoint, RequestOptions options) {
    options.setServer(endpoint.address());
    if (config.tls().enabled()) {
      // The peer name for SNI and certificate verification (and part of the pool key).
      // Mesh upstreams: the endpoint's host, from which MeshAlpn makes Istio's SNI.
      String sni = config.tls().mesh() ? "" : config.tls().sni();
      options.setHost(sni.isEmpty() ? endpoint.config().host() : sni).setPort(endpoint.config().port());
    }
    return options;
  }

  /**
   * Retires this client, which a reload replaced or removed (no new snapshot sends it requests):
   * health checks stop now, and its connections close once no request, gRPC stream or WebSocket
   * tunnel is in flight on any endpoint and no retry waits out its backoff (it will try this
   * client again), then within {@code grace}. A reload thus never cuts a
   * long-lived connection, as Envoy drains a changed cluster's connection pools without a deadline;
   * the listeners' limits (route and tunnel timeouts) bound what is in flight.
   */
  public Future<Void> retire(Duration grace) {
    if (health != null) {
      health.stop();
    }
    Promise<Void> closed = Promise.promise();
    closeWhenIdle(grace, closed);
    return closed.future();
  }

  private void closeWhenIdle(Duration grace, Promise<Void> closed) {
    if (breaker.waiting.get() == 0 && endpoints().stream().allMatch(e -> e.inFlight() == 0)) {
      if (h1 != null) {
        h1.close();
      }
      client.shutdown(grace).onComplete(closed);
    } else {
      vertx.setTimer(RETIRE_CHECK_MILLIS, id -> closeWhenIdle(grace, closed));
    }
  }

  /** Stops health checks now, stops taking requests, and closes connections once in-flight ones finish or {@code grace} ends. */
  public Future<Void> close(Duration grace) {
    if (health != null) {
      health.stop();
    }
    if (h1 != null) {
      h1.close();
    }
    return client.shutdown(grace);
  }
}
