package io.gatehouse.gateway.auth;

import com.nimbusds.jose.jwk.JWKSet;
import io.gatehouse.routes.auth.JwtProvider;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * A JWKS fetched over HTTPS (the JVM's CAs, or the provider's {@code jwksCaCert}) with a Vert.x
 * client, never blocking an event loop: first when the provider is compiled, then every
 * {@code cache.jwksRefresh}, and when a token names a key id the set lacks, at most once per
 * {@code cache.jwksMinInterval} (so unknown key ids cannot make the gateway hammer the issuer).
 * Requests that arrive while a fetch is under way wait for it. A failed fetch keeps the
 * previous keys, logs a warning and is counted.
 */
final class RemoteKeys implements KeySource {
  private static final Logger LOG = Logger.getLogger(RemoteKeys.class.getName());
  private static final int MAX_DOCUMENT = 512 * 1024;

  private final Vertx vertx;
  private final String provider;
  private final JwtProvider.Jwks.Remote config;
  private final long minIntervalNanos;
  private final HttpClient client;
  private final AuthMetrics metrics;
  private final Consumer<JWKSet> onChange;
  private final AtomicReference<JWKSet> keys = new AtomicReference<>(new JWKSet(List.of()));
  private final AtomicReference<Future<JWKSet>> inFlight = new AtomicReference<>();
  private final AtomicLong lastFetchNanos = new AtomicLong();
  private final long timer;

  RemoteKeys(Vertx vertx, JwtProvider provider, AuthMetrics metrics, Consumer<JWKSet> onChange) {
    this.vertx = vertx;
    this.provider = provider.name();
    this.config = (JwtProvider.Jwks.Remote) provider.jwks();
    this.minIntervalNanos = provider.cache().jwksMinInterval().toNanos();
    this.metrics = metrics;
    this.onChange = onChange;
    URI uri = URI.create(config.uri());
    HttpClientOptions options = new HttpClientOptions().setSsl("https".equals(uri.getScheme()))
        .setVerifyHost(true).setConnectTimeout((int) config.timeout().toMillis());
    if (!config.caCert().isEmpty()) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(config.caCert()));
    }
    this.client = vertx.createHttpClient(options);
    fetch();
    this.timer = vertx.setPeriodic(provider.cache().jwksRefresh().toMillis(), id -> fetch());
  }

  @Override public Future<JWKSet> keysFor(String kid) {
    JWKSet now = keys.get();
    Future<JWKSet> pending = inFlight.get();
    if (pending == null && KeySource.has(now, kid)) {
      return Future.succeededFuture(now);
    }
    if (pending == null && System.nanoTime() - lastFetchNanos.get() >= minIntervalNanos) {
      pending = fetch();
    }
    if (pending == null) {
      return Future.succeededFuture(now);
    }
    // The fetch completes on whatever context started it; the request continues on its own.
    Context context = vertx.getOrCreateContext();
    Promise<JWKSet> promise = Promise.promise();
    pending.onComplete(ar -> context.runOnContext(v -> promise.complete(keys.get())));
    return promise.future();
  }

  /** Starts a fetch unless one is under way; the future completes when it is done (never failed). */
  private Future<JWKSet> fetch() {
    Promise<JWKSet> promise = Promise.promise();
    if (!inFlight.compareAndSet(null, promise.future())) {
      Future<JWKSet> pending = inFlight.get();
      return pending == null ? Future.succeededFuture(keys.get()) : pending;
    }
    lastFetchNanos.set(System.nanoTime());
    URI uri = URI.create(config.uri());
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(config.uri())
        .putHeader("accept", "application/json");
    client.request(request)
        .compose(req -> req.send())
        .compose(resp -> resp.statusCode() == 200 ? resp.body()
            : Future.failedFuture("HTTP " + resp.statusCode()))
        .timeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result().length() <= MAX_DOCUMENT) {
            try {
              JWKSet next = KeySource.parse(ar.result().toString());
              JWKSet previous = keys.getAndSet(next);
              metrics.jwksFetch(provider, "success").increment();
              if (!previous.toJSONObject().equals(next.toJSONObject())) {
                onChange.accept(next);
              }
            } catch (java.text.ParseException e) {
              failed(uri, "not a JWKS document: " + e.getMessage());
            }
          } else {
            failed(uri, ar.succeeded() ? "document larger than " + MAX_DOCUMENT + " bytes" : String.valueOf(ar.cause().getMessage()));
          }
          inFlight.set(null);
          promise.complete(keys.get());
        });
    return promise.future();
  }

  private void failed(URI uri, String why) {
    metrics.jwksFetch(provider, "failure").increment();
    LOG.warning("authentication provider " + provider + ": fetching JWKS from " + uri.getHost() + " failed ("
        + why + "); keeping the previous keys");
  }

  @Override public void close() {
    vertx.cancelTimer(timer);
    client.close();
  }
}
