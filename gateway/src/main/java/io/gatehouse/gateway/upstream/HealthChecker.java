package io.gatehouse.gateway.upstream;

import io.gatehouse.routes.HealthCheck;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Active health checks of one upstream: every {@code interval}, a GET of {@code path} to each
 * endpoint on a client of its own (so checks never queue behind traffic or count against the
 * circuit breaker); a 2xx within {@code timeout} passes. Thresholds of consecutive results move an
 * endpoint out of and back into the balancer. One checker per upstream client, on one Vert.x
 * context of its own: its timer, checks, counters and stop all run there, so they need no locks;
 * the verdict is a volatile the event loops read.
 */
final class HealthChecker {
  private static final Logger LOG = Logger.getLogger(HealthChecker.class.getName());

  private final Vertx vertx;
  private final Context context;
  private final HttpClient client;
  private final HealthCheck config;
  private final EndpointSet endpoints;
  private final Function<EndpointState, RequestOptions> target;
  private final OutlierDetector outliers;
  private final UpstreamMeters meters;
  private final String upstream;
  private final int[] passes;
  private final int[] failures;
  private final boolean[] inProgress;
  private long timer = -1;
  private volatile boolean stopped;

  HealthChecker(Vertx vertx, HttpClient client, HealthCheck config, EndpointSet endpoints,
                Function<EndpointState, RequestOptions> target, OutlierDetector outliers, UpstreamMeters meters,
                String upstream) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.client = client;
    this.config = config;
    this.endpoints = endpoints;
    this.target = target;
    this.outliers = outliers;
    this.meters = meters;
    this.upstream = upstream;
    int n = endpoints.all().length;
    this.passes = new int[n];
    this.failures = new int[n];
    this.inProgress = new boolean[n];
  }

  /** Starts checking now and then every interval. */
  void start() {
    context.runOnContext(v -> {
      if (!stopped) {
        timer = vertx.setPeriodic(1, config.interval().toMillis(), id -> round());
      }
    });
  }

  boolean running() {
    return !stopped;
  }

  /** Stops checking at once; the timer and the checks' connections close on the checker's context. */
  Future<Void> stop() {
    stopped = true;
    Promise<Void> closed = Promise.promise();
    context.runOnContext(v -> {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      client.close().onComplete(closed);
    });
    return closed.future();
  }

  private void round() {
    EndpointState[] all = endpoints.all();
    for (int i = 0; i < all.length; i++) {
      if (!inProgress[i] && !stopped) {
        inProgress[i] = true;
        int index = i;
        check(all[i]).onComplete(ar -> record(index, all[index], ar.succeeded() && ar.result()));
      }
    }
  }

  private Future<Boolean> check(EndpointState endpoint) {
    long timeoutMillis = config.timeout().toMillis();
    RequestOptions options = target.apply(endpoint)
        .setMethod(HttpMethod.GET)
        .setURI(config.path())
        .setConnectTimeout(timeoutMillis)
        .setIdleTimeout(timeoutMillis)
        .putHeader("user-agent", "gatehouse-health-check");
    Future<HttpClientRequest> request;
    try {
      request = client.request(options);
    } catch (IllegalStateException closed) {
      // Vert.x closes every client when it shuts down, possibly before this timer: stop quietly.
      stopped = true;
      return Future.failedFuture(closed);
    }
    return request
        .compose(HttpClientRequest::send)
        .compose(response -> response.body().map(ignored -> passes(response)))
        .timeout(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  private static boolean passes(HttpClientResponse response) {
    return response.statusCode() >= 200 && response.statusCode() < 300;
  }

  private void record(int i, EndpointState endpoint, boolean passed) {
    inProgress[i] = false;
    if (stopped) {
      return;
    }
    if (passed) {
      failures[i] = 0;
      passes[i]++;
      outliers.healthCheckPassed(endpoint);
      if (!endpoint.healthy() && passes[i] >= config.healthyThreshold()) {
        endpoint.healthy(true);
        endpoints.changed();
        LOG.info(() -> "upstream " + upstream + ": endpoint " + endpoint.label() + " is healthy again");
      }
      return;
    }
    meters.healthCheckFailed(endpoint);
    passes[i] = 0;
    failures[i]++;
    if (endpoint.healthy() && failures[i] >= config.unhealthyThreshold()) {
      endpoint.healthy(false);
      endpoints.changed();
      LOG.warning(() -> "upstream " + upstream + ": endpoint " + endpoint.label() + " failed " + failures[i]
          + " health checks in a row; it leaves the balancer");
    }
  }
}
