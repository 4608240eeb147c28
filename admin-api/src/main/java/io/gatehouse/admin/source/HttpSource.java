package io.gatehouse.admin.source;

import io.gatehouse.admin.store.ConfigStore;
import io.gatehouse.routes.load.ConfigFile;
import io.gatehouse.routes.load.ConfigLoader;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.logging.Logger;

/**
 * An HTTP control plane as a config source: polls a URL for a native config document (JSON or
 * YAML, the shape of a config file without {@code admin}, {@code demo} and {@code egress.mode})
 * with {@code If-None-Match}, so an unchanged document costs a 304. A fetch that fails (refused,
 * timed out, not 200/304) or a document the store rejects is retried with exponential backoff and
 * jitter; the last good document keeps serving meanwhile. Runs on one Vert.x context; the store's
 * writer does the loading.
 */
public final class HttpSource implements ConfigSource {
  private static final Logger LOG = Logger.getLogger(HttpSource.class.getName());

  /**
   * Where and how often: {@code interval} between polls while healthy; after the n-th failure in a
   * row, a delay drawn from [d/2, d] with d = min(maxBackoff, firstBackoff * 2^(n-1)).
   */
  public record Settings(URI url, Duration interval, Duration firstBackoff, Duration maxBackoff, Duration timeout) {
    public Settings {
      Objects.requireNonNull(url, "url");
      if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
        throw new IllegalArgumentException("url: " + url + " (expected: http:// or https://)");
      }
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
      }
    }

    /** Polls every {@code interval}; backs off from 1s up to 5 minutes; 10s per request. */
    public static Settings of(URI url, Duration interval) {
      return new Settings(url, interval, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofSeconds(10));
    }
  }

  private final Vertx vertx;
  private final ConfigStore store;
  private final Settings settings;
  private final Path baseDir;
  private final RandomGenerator random;
  private final HttpClient client;
  private final String name;
  private Context context;
  private long timer = -1;
  private boolean closed;
  private volatile String etag = "";
  private volatile int failures;
  private volatile Optional<Instant> lastSuccess = Optional.empty();
  private volatile Optional<String> lastError = Optional.empty();
  private volatile Optional<Instant> nextRetry = Optional.empty();

  public HttpSource(Vertx vertx, ConfigStore store, Settings settings, Path baseDir, RandomGenerator random) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.store = Objects.requireNonNull(store, "store");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.baseDir = Objects.requireNonNull(baseDir, "baseDir");
    this.random = Objects.requireNonNull(random, "random");
    this.name = "http:" + withoutUserInfo(settings.url());
    HttpClientOptions options = new HttpClientOptions().setConnectTimeout((int) settings.timeout().toMillis())
        .setSsl("https".equals(settings.url().getScheme())).setVerifyHost(true);
    this.client = vertx.createHttpClient(options);
  }

  /** Polls now, then every interval (or by backoff) until closed. */
  public void start() {
    store.register(this);
    context = vertx.getOrCreateContext();
    context.runOnContext(v -> poll());
  }

  @Override public String name() {
    return name;
  }

  private void poll() {
    if (closed) {
      return;
    }
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(settings.url().toString())
        .setTimeout(settings.timeout().toMillis()).putHeader("accept", "application/json, application/yaml;q=0.9");
    if (!etag.isEmpty()) {
      request.putHeader("if-none-match", etag);
    }
    client.request(request)
        .compose(r -> r.send())
        .compose(this::read)
        .onComplete(r -> {
          if (r.failed()) {
            failed(describe(r.cause()));
          }
        });
  }

  private Future<Void> read(HttpClientResponse response) {
    if (response.statusCode() == 304) {
      return response.body().map(b -> {
        succeeded();
        return null;
      });
    }
    if (response.statusCode() != 200) {
      return response.body().transform(b -> Future.failedFuture(new IllegalStateException(
          "GET " + withoutUserInfo(settings.url()) + " answered " + response.statusCode())));
    }
    String tag = Optional.ofNullable(response.getHeader("etag")).orElse("");
    return response.body().compose(body -> {
      String text = body.toString(java.nio.charset.StandardCharsets.UTF_8);
      store.offer(name, () -> ConfigLoader.loadFragment(List.of(new ConfigFile(name, text, baseDir))))
          .whenComplete((outcome, error) -> context.runOnContext(v -> {
            if (error != null) {
              failed("the store failed: " + error);
            } else if (outcome instanceof ConfigStore.Outcome.Rejected rejected) {
              // Fetch it again after a backoff: what made it invalid may be elsewhere (a missing file, a clash).
              etag = "";
              failed("document rejected: " + rejected.errors().get(0)
                  + (rejected.errors().size() > 1 ? " (and " + (rejected.errors().size() - 1) + " more)" : ""));
            } else {
              etag = tag;
              succeeded();
            }
          }));
      return Future.succeededFuture();
    });
  }

  private void succeeded() {
    failures = 0;
    lastSuccess = Optional.of(Instant.now());
    lastError = Optional.empty();
    nextRetry = Optional.empty();
    schedule(settings.interval());
  }

  private void failed(String why) {
    int n = ++failures;
    lastError = Optional.of(why);
    Duration delay = backoff(n);
    nextRetry = Optional.of(Instant.now().plus(delay));
    LOG.warning(() -> "config source " + name + " failed (" + n + " in a row), retrying in " + delay.toMillis()
        + "ms; the last good document keeps serving: " + why);
    schedule(delay);
  }

  /** The delay after the {@code n}-th failure in a row: "equal jitter", half fixed and half random. */
  Duration backoff(int n) {
    return new Backoff(settings.firstBackoff(), settings.maxBackoff()).delay(n, random);
  }

  private void schedule(Duration delay) {
    if (closed) {
      return;
    }
    timer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> poll());
  }

  /** The URL as logs and {@code /sync} show it: credentials in it stay out. */
  static String withoutUserInfo(URI url) {
    if (url.getRawUserInfo() == null) {
      return url.toString();
    }
    return url.toString().replace(url.getRawUserInfo() + "@", "");
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  @Override public SourceStatus status() {
    SourceStatus seen = store.tracked(name);
    List<String> warnings = new ArrayList<>(seen.warnings());
    nextRetry.ifPresent(at -> warnings.add(failures + " failure(s) in a row; next try at " + at));
    return new SourceStatus(name, "http", etag, lastSuccess, lastError, warnings);
  }

  @Override public void close() {
    Context c = context;
    if (c == null) {
      client.close();
      return;
    }
    c.runOnContext(v -> {
      closed = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      client.close();
    });
  }
}
