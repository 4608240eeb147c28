package io.gatehouse.gateway;

import io.gatehouse.admin.AdminServer;
import io.gatehouse.admin.ClusterView;
import io.gatehouse.admin.RuntimeView;
import io.gatehouse.admin.source.FileSource;
import io.gatehouse.admin.source.HttpSource;
import io.gatehouse.admin.source.kubernetes.KubernetesSource;
import java.util.ArrayList;
import io.gatehouse.admin.store.ConfigStore;
import io.gatehouse.admin.store.Installer;
import io.gatehouse.gateway.demo.DemoEcho;
import io.gatehouse.gateway.egress.EgressClients;
import io.gatehouse.gateway.egress.EgressTlsVerticle;
import io.gatehouse.gateway.egress.EgressVerticle;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.tcp.PassthroughVerticle;
import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.GatewayMetrics;
import io.gatehouse.gateway.proxy.Dataplane;
import io.gatehouse.gateway.proxy.ListenerTlsSetup;
import io.gatehouse.gateway.proxy.Listeners;
import io.gatehouse.certs.CertStore;
import io.gatehouse.certs.CertificateInfo;
import io.gatehouse.certs.CertificateProblem;
import io.gatehouse.certs.DevCertificates;
import io.gatehouse.routes.ListenerTls;
import io.gatehouse.certs.TlsEngine;
import io.gatehouse.certs.TlsServerOptions;
import io.vertx.core.http.HttpServerOptions;
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

  /**
   * How to start: config directory (empty = embedded default), admin port override, event loops,
   * drain timeout, where access log lines go, the state directory (the dev CA and admin-pushed
   * certificates live there), the hosts file egress resolves with (empty: the system's), and the
   * HTTP control planes to poll.
   */
  public record Options(Optional<Path> configDir, OptionalInt adminPort, int eventLoops, Duration drainTimeout,
                        OutputStream accessLog, Path stateDir, Optional<Path> egressHostsFile,
                        List<HttpSource.Settings> controlPlanes) {
    public Options {
      Objects.requireNonNull(configDir, "configDir");
      Objects.requireNonNull(egressHostsFile, "egressHostsFile");
      Objects.requireNonNull(adminPort, "adminPort");
      Objects.requireNonNull(stateDir, "stateDir");
      controlPlanes = List.copyOf(controlPlanes);
      if (eventLoops < 1) {
        throw new IllegalArgumentException("eventLoops: " + eventLoops + " (expected: > 0)");
      }
    }

    /** With the default state directory, the system's resolver and no control planes. */
    public Options(Optional<Path> configDir, OptionalInt adminPort, int eventLoops, Duration drainTimeout,
                   OutputStream accessLog) {
      this(configDir, adminPort, eventLoops, drainTimeout, accessLog, defaultStateDir(), Optional.empty(), List.of());
    }

    /** {@code $GATEHOUSE_STATE_DIR}, else {@code ~/.gatehouse}: outside any source tree. */
    public static Path defaultStateDir() {
      String env = System.getenv("GATEHOUSE_STATE_DIR");
      return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".gatehouse");
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
  private final EgressClients egress;
  private final ConfigStore store;
  private FileSource files;
  private final List<KubernetesSource> kubernetes = new ArrayList<>();
  private AdminServer admin;
  private HttpServer demo;
  private TlsEngine tlsEngine;
  private boolean devCaLogged; // config writer thread only
  private volatile boolean ready;
  private volatile boolean draining;

  private Gatehouse(Options options) {
    this.options = options;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.eventLoops()).setPreferNativeTransport(true));
    this.accessLog = AccessLog.start(options.accessLog());
    this.dataplane = new Dataplane(vertx, options.drainTimeout(), metrics.registry());
    this.egress = EgressClients.start(vertx, options.egressHostsFile());
    TunnelMetrics tunnels = new TunnelMetrics(metrics.registry());
    Duration drain = options.drainTimeout();
    this.listeners = new Listeners(vertx, dataplane, metrics, accessLog, options.eventLoops(), drain, Map.of(
        Listener.Protocol.EGRESS, (l, tls) -> new EgressVerticle(l, tls, dataplane, egress, tunnels, accessLog, drain),
        Listener.Protocol.TLS_PASSTHROUGH, (l, tls) -> l.egressPort() > 0
            ? new EgressTlsVerticle(l, dataplane, egress, tunnels, accessLog, drain)
            : new PassthroughVerticle(l, dataplane, tunnels, accessLog, drain)));
    this.store = new ConfigStore(new Installer() {
      @Override public void install(GatewayConfig config, long version) throws Exception {
        Gatehouse.this.install(config, version);
      }

      @Override public void refresh(GatewayConfig config) throws Exception {
        Gatehouse.this.refresh(config);
      }
    });
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
    Path baseDir = options.configDir().orElse(Path.of("")).toAbsolutePath();
    AdminServer server = new AdminServer(vertx, runtimeView(), store, options.stateDir(), baseDir);
    try {
      server.token(config.admin().tokenFile());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("admin.tokenFile cannot be read: " + e.getMessage(), e);
    }
    admin = await(server.start(adminOptions(config, adminPort)));
    for (HttpSource.Settings settings : options.controlPlanes()) {
      HttpSource source = new HttpSource(vertx, store, settings, baseDir, new java.util.Random());
      source.start();
      metrics.source(source.name(), () -> source.status().lastError().isEmpty());
    }
    if (files != null) {
      metrics.source(files.name(), () -> files.status().lastError().isEmpty());
    }
    startKubernetes(config);
    ready = true;
    LOG.info(() -> "gatehouse ready: config version " + store.version() + ", listeners " + describeListeners(config)
        + ", admin " + config.admin().address() + ":" + admin.port() + ", event loops " + options.eventLoops()
        + ", native transport " + vertx.isNativeTransportEnabled());
  }

  /** One source per {@code kubernetes} entry; each merges its translation into the native config. */
  /** One source per {@code kubernetes} entry (cluster); each registers with the store for {@code /sync}. */
  private void startKubernetes(GatewayConfig config) {
    config.kubernetes().forEach(k -> kubernetes.add(KubernetesSource.start(k, store)));
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
    startDemo(config);
    Map<String, ListenerTlsSetup> tls = loadCertificates(config);
    egress.prepare(config.egress());
    Snapshot next = dataplane.compile(config, version);
    try {
      await(listeners.open(config.listeners(), tls));
    } catch (RuntimeException e) {
      dataplane.discard(next);
      throw e;
    }
    metrics.telemetry(config.telemetry(), config.upstreams());
    accessLog.format(config.telemetry().accessLog());
    dataplane.install(next);
    await(listeners.updateTls(tls));
    publishCertificates(tls);
    metrics.upstreams(next.upstreams().values());
    listeners.closeUnwanted(config.listeners());
    if (admin != null) {
      admin.token(config.admin().tokenFile());
    }
    GatewayConfig previous = store.current();
    if (previous != null && !previous.admin().equals(config.admin())) {
      LOG.warning("the admin listener settings changed; they take effect at the next restart");
    }
  }

  /**
   * The config is unchanged but files it names may have been replaced (certificate rotation):
   * new certificates go to new handshakes; a broken pair throws here and the old one keeps serving.
   */
  private void refresh(GatewayConfig config) throws Exception {
    egress.prepare(config.egress()); // a rotated CA bundle for TLS origination
    Map<String, ListenerTlsSetup> tls = loadCertificates(config);
    await(listeners.updateTls(tls));
    publishCertificates(tls);
    if (admin != null) {
      admin.token(config.admin().tokenFile()); // a rotated token file takes effect at once
    }
  }

  private void publishCertificates(Map<String, ListenerTlsSetup> tls) {
    Map<String, List<CertificateInfo>> served = new HashMap<>();
    tls.forEach((listener, setup) -> served.put(listener, setup.store().certificates()));
    metrics.certificates(served);
  }

  /** Where the admin listener binds and, with {@code admin.tls}, its TLS (mutual with a client CA). */
  private HttpServerOptions adminOptions(GatewayConfig config, int port) {
    HttpServerOptions options = new HttpServerOptions().setHost(config.admin().address()).setPort(port);
    if (!config.admin().secure()) {
      return options;
    }
    try {
      return TlsServerOptions.apply(options, config.admin().tls(), CertStore.load(config.admin().tls()),
          tlsEngine("admin", config.admin().tls()));
    } catch (CertificateProblem e) {
      throw new IllegalStateException("admin.tls: " + e.getMessage(), e);
    }
  }

  /** Reads and checks the certificates of every HTTPS listener and TLS EGRESS listener (blocking: this is the writer thread). */
  private Map<String, ListenerTlsSetup> loadCertificates(GatewayConfig config) throws CertificateProblem {
    Map<String, ListenerTlsSetup> out = new HashMap<>();
    for (Listener listener : config.listeners()) {
      boolean tlsEgress = listener.protocol() == Listener.Protocol.EGRESS && !listener.tls().certificates().isEmpty();
      if (listener.protocol() != Listener.Protocol.HTTPS && !tlsEgress) {
        continue;
      }
      TlsEngine engine = tlsEngine("listener " + listener.name(), listener.tls());
      try {
        ListenerTls tls = DevCertificates.resolve(listener.tls(), devCertDir());
        if (tls != listener.tls() && !devCaLogged) {
          devCaLogged = true;
          LOG.info(() -> "listener " + listener.name() + " serves a dev certificate; trust "
              + devCertDir().resolve("dev-ca.crt") + " (e.g. curl --cacert " + devCertDir().resolve("dev-ca.crt") + ")");
        }
        out.put(listener.name(), new ListenerTlsSetup(CertStore.load(tls), engine));
      } catch (CertificateProblem e) {
        throw new CertificateProblem("listener " + listener.name() + ": " + e.getMessage());
      }
    }
    return out;
  }

  /** BoringSSL; the JDK engine only for a listener ({@code what}) whose TLS block allows it, when BoringSSL cannot load. */
  private TlsEngine tlsEngine(String what, ListenerTls tls) throws CertificateProblem {
    if (tlsEngine == null || (!tlsEngine.isBoringSsl() && !tls.allowJdkFallback())) {
      try {
        tlsEngine = TlsEngine.detect(tls.allowJdkFallback());
      } catch (IllegalStateException e) {
        throw new CertificateProblem(what + ": " + e.getMessage()
            + " (set tls.allowJdkFallback: true to serve on the JDK engine)");
      }
      if (tlsEngine.isBoringSsl()) {
        LOG.info(() -> "TLS provider: " + tlsEngine.describe());
      } else {
        LOG.warning(() -> "TLS provider: " + tlsEngine.describe());
      }
    }
    return tlsEngine;
  }

  private Path devCertDir() {
    return options.stateDir().resolve("dev-certs");
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

      @Override public List<ClusterView> clusters() {
        return dataplane.current().upstreams().values().stream()
            .sorted(java.util.Comparator.comparing(c -> c.name()))
            .map(c -> new ClusterView(c.name(), c.config().loadBalancer().name(), c.endpoints().stream()
                .map(e -> new ClusterView.Endpoint(e.label(), "HEALTHY", e.inFlight())).toList()))
            .toList();
      }

      @Override public Map<String, Double> stats() {
        return metrics.stats();
      }

      @Override public void drain() {
        Gatehouse.this.drain();
      }
    };
  }

  /**
   * Drains: readiness turns false, HTTP/1.1 responses carry {@code Connection: close}, listeners
   * stop accepting (HTTP/2 connections get GOAWAY), requests in flight finish within the drain
   * timeout. Blocks until then; call it off the event loops.
   */
  public void drain() {
    draining = true;
    dataplane.startDraining();
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
    if (dataplane.current().traces() != null) {
      dataplane.current().traces().close(); // exports the spans still queued
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warning("vert.x did not close cleanly: " + e);
    }
    egress.close();
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
