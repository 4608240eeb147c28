package io.gatehouse.gateway;

import io.gatehouse.admin.AdminServer;
import io.gatehouse.admin.RuntimeView;
import io.gatehouse.admin.source.FileSource;
import io.gatehouse.admin.source.kubernetes.KubernetesSource;
import io.gatehouse.routes.load.LoadResult;
import java.util.ArrayList;
import java.util.function.Supplier;
import io.gatehouse.admin.store.ConfigStore;
import io.gatehouse.gateway.demo.DemoEcho;
import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.GatewayMetrics;
import io.gatehouse.gateway.proxy.Dataplane;
import io.gatehouse.gateway.proxy.ListenerTlsSetup;
import io.gatehouse.gateway.proxy.Listeners;
import io.gatehouse.certs.CertStore;
import io.gatehouse.certs.CertificateProblem;
import io.gatehouse.certs.TlsEngine;
import io.gatehouse.routes.Listener;
import java.util.HashMap;
import java.util.Map;
import io.gatehouse.gateway.proxy.Snapshot;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.load.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A running gateway: Vert.x, the config store and its source, the data plane, the listeners, the
 * admin server. Everything {@code main} starts, startable (and stoppable) inside a test.
 */
public final class Gatehouse implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Gatehouse.class.getName());
  private static final long STEP_TIMEOUT_SECONDS = 30;

  /** How to start: config directory (empty = embedded default), admin port override, event loops, drain timeout. */
  public record Options(Optional<Path> configDir, OptionalInt adminPort, int eventLoops, Duration drainTimeout,
                        OutputStream accessLog) {
    public Options {
      Objects.requireNonNull(configDir, "configDir");
      Objects.requireNonNull(adminPort, "adminPort");
      if (eventLoops < 1) {
        throw new IllegalArgumentException("eventLoops: " + eventLoops + " (expected: > 0)");
      }
    }
  }

  /** The first config could not be loaded; {@code errors} say where and why. */
  public static final class StartupException extends Exception {
    private final List<ConfigError> errors;

    StartupException(List<ConfigError> errors) {
      super(errors.size() + " config error(s)", null, false, false);
      this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
      return errors;
    }
  }

  private final Options options;
  private final Vertx vertx;
  private final GatewayMetrics metrics = new GatewayMetrics();
  private final AccessLog accessLog;
  private final Dataplane dataplane;
  private final Listeners listeners;
  private final ConfigStore store;
  private FileSource files;
  private final List<KubernetesSource> kubernetes = new ArrayList<>();
  private AdminServer admin;
  private HttpServer demo;
  private TlsEngine tlsEngine;
  private volatile boolean ready;
  private volatile boolean draining;

  private Gatehouse(Options options) {
    this.options = options;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.eventLoops()).setPreferNativeTransport(true));
    this.accessLog = AccessLog.start(options.accessLog());
    this.dataplane = new Dataplane(vertx, options.drainTimeout());
    this.listeners = new Listeners(vertx, dataplane, metrics, accessLog, options.eventLoops(), options.drainTimeout());
    this.store = new ConfigStore(this::install);
    metrics.config(store::version, store::failures);
  }

  /** Starts the gateway and returns once it serves its first config; fails with the config's errors. */
  public static Gatehouse start(Options options) throws StartupException {
    Gatehouse gatehouse = new Gatehouse(options);
    try {
      gatehouse.boot();
      return gatehouse;
    } catch (StartupException | RuntimeException e) {
      gatehouse.close();
      throw e;
    }
  }

  private void boot() throws StartupException {
    CompletableFuture<ConfigStore.Outcome> first;
    if (options.configDir().isPresent()) {
      files = new FileSource(options.configDir().get(), store, Duration.ofSeconds(1));
      first = files.start();
    } else {
      first = store.offer("embedded", () -> ConfigLoader.load(ConfigLoader.embeddedDefault()));
    }
    ConfigStore.Outcome outcome = await(first);
    if (outcome instanceof ConfigStore.Outcome.Rejected rejected) {
      throw new StartupException(rejected.errors());
    }
    GatewayConfig config = store.current();
    int adminPort = options.adminPort().orElse(config.admin().port());
    admin = await(new AdminServer(vertx, runtimeView()).start(config.admin().address(), adminPort));
    startKubernetes(config);
    ready = true;
    LOG.info(() -> "gatehouse ready: config version " + store.version() + ", listeners " + describeListeners(config)
        + ", admin " + config.admin().address() + ":" + admin.port() + ", event loops " + options.eventLoops()
        + ", native transport " + vertx.isNativeTransportEnabled());
  }

  /** One source per {@code kubernetes} entry; each merges its translation into the native config. */
  private void startKubernetes(GatewayConfig config) {
    Supplier<LoadResult> base = options.configDir().<Supplier<LoadResult>>map(d -> () -> ConfigLoader.loadDirectory(d))
        .orElse(() -> ConfigLoader.load(ConfigLoader.embeddedDefault()));
    config.kubernetes().forEach(k -> kubernetes.add(KubernetesSource.start(k, store, base)));
  }

  /** The Kubernetes sources started from config, for status. */
  public List<KubernetesSource> kubernetesSources() {
    return List.copyOf(kubernetes);
  }

  private String describeListeners(GatewayConfig config) {
    StringBuilder out = new StringBuilder("[");
    config.listeners().forEach(l -> out.append(out.length() > 1 ? ", " : "").append(l.name()).append(' ')
        .append(l.protocol()).append(' ').append(l.address()).append(':').append(listeners.port(l.name())));
    return out.append(']').toString();
  }

  /** The store's installer: runs on the config writer thread, so it may wait on Vert.x futures. */
  private void install(GatewayConfig config, long version) throws Exception {
    List<String> unsupported = Capabilities.unsupported(config);
    if (!unsupported.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", unsupported));
    }
    startDemo(config);
    Map<String, ListenerTlsSetup> tls = loadCertificates(config);
    Snapshot next = dataplane.compile(config, version);
    try {
      await(listeners.open(config.listeners(), tls));
    } catch (RuntimeException e) {
      dataplane.discard(next);
      throw e;
    }
    dataplane.install(next);
    listeners.closeUnwanted(config.listeners());
    GatewayConfig previous = store.current();
    if (previous != null && !previous.admin().equals(config.admin())) {
      LOG.warning("the admin listener settings changed; they take effect at the next restart");
    }
  }

  /** Reads and checks every HTTPS listener's certificates (blocking: this is the writer thread). */
  private Map<String, ListenerTlsSetup> loadCertificates(GatewayConfig config) throws CertificateProblem {
    Map<String, ListenerTlsSetup> out = new HashMap<>();
    for (Listener listener : config.listeners()) {
      if (listener.protocol() != Listener.Protocol.HTTPS) {
        continue;
      }
      if (tlsEngine == null) {
        tlsEngine = TlsEngine.detect(false);
        LOG.info(() -> "TLS provider: " + tlsEngine.describe());
      }
      try {
        out.put(listener.name(), new ListenerTlsSetup(CertStore.load(listener.tls()), tlsEngine));
      } catch (CertificateProblem e) {
        throw new CertificateProblem("listener " + listener.name() + ": " + e.getMessage());
      }
    }
    return out;
  }

  private void startDemo(GatewayConfig config) {
    if (demo == null && config.demo().enabled()) {
      demo = await(DemoEcho.start(vertx, config.demo().echoPort()));
      LOG.info(() -> "demo echo upstream listening on 127.0.0.1:" + demo.actualPort());
    }
  }

  private RuntimeView runtimeView() {
    return new RuntimeView() {
      @Override public boolean ready() {
        return ready && !draining;
      }

      @Override public String scrapeMetrics() {
        return metrics.scrape();
      }
    };
  }

  /** Drains: readiness turns false, listeners stop accepting, requests in flight finish within the drain timeout. */
  public void drain() {
    draining = true;
    LOG.info(() -> "draining: up to " + options.drainTimeout().toSeconds() + "s for requests in flight");
    try {
      listeners.drain(options.drainTimeout()).toCompletionStage().toCompletableFuture()
          .get(options.drainTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warning("drain did not finish cleanly: " + e);
    }
  }

  public ConfigStore store() {
    return store;
  }

  public Dataplane dataplane() {
    return dataplane;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The bound port of a listener, by name. */
  public int listenerPort(String name) {
    return listeners.port(name);
  }

  public int adminPort() {
    return admin.port();
  }

  @Override public void close() {
    ready = false;
    if (files != null) {
      files.close();
    }
    kubernetes.forEach(KubernetesSource::close);
    store.close();
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warning("vert.x did not close cleanly: " + e);
    }
    accessLog.close();
  }

  private static <T> T await(Future<T> future) {
    return await(future.toCompletionStage().toCompletableFuture());
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause.getMessage(), cause);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("timed out after " + STEP_TIMEOUT_SECONDS + "s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
