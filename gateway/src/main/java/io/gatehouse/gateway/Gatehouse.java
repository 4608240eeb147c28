package io.gatehouse.gateway;

import io.gatehouse.admin.AdminServer;
import io.gatehouse.admin.source.FileSource;
import io.gatehouse.admin.source.HttpSource;
import io.gatehouse.admin.source.kubernetes.KubernetesSource;
import io.gatehouse.admin.source.xds.XdsSource;
import io.gatehouse.admin.store.ConfigStore;
import io.gatehouse.admin.store.Installer;
import io.gatehouse.certs.CertificateInfo;
import io.gatehouse.certs.CertificateProblem;
import io.gatehouse.certs.ListenerCertificates;
import io.gatehouse.certs.ListenerTlsSetup;
import io.gatehouse.gateway.demo.DemoEcho;
import io.gatehouse.gateway.egress.EgressClients;
import io.gatehouse.gateway.egress.EgressSni;
import io.gatehouse.gateway.egress.EgressVerticle;
import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.EventLoopWatchdog;
import io.gatehouse.gateway.observe.GatewayMetrics;
import io.gatehouse.gateway.observe.GatewayRuntime;
import io.gatehouse.gateway.observe.TunnelMetrics;
import io.gatehouse.gateway.proxy.Dataplane;
import io.gatehouse.gateway.proxy.Listeners;
import io.gatehouse.gateway.proxy.Snapshot;
import io.gatehouse.gateway.tcp.PassthroughVerticle;
import io.gatehouse.gateway.tcp.SniRoutes;
import io.gatehouse.gateway.tcp.TcpVerticle;
import io.gatehouse.gateway.upstream.SessionCookies;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.MeshIdentity;
import io.gatehouse.routes.Xds;
import io.gatehouse.routes.load.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
   * certificates live there), the hosts file egress resolves with (empty: the system's), the
   * HTTP control planes to poll, the Vert.x options to start from ({@code eventLoops} and the
   * native transport are set on a copy; tests tighten the blocked-thread checker here), how long a
   * drain keeps accepting before it stops ({@code drainGrace}, {@link #DEFAULT_DRAIN_GRACE}),
   * whether a config with no listeners is accepted ({@code run --allow-empty}), and how long an
   * event loop may go without turning before {@code /ready} fails ({@code watchdogThreshold}).
   */
  public record Options(Optional<Path> configDir, OptionalInt adminPort, int eventLoops, Duration drainTimeout,
                        OutputStream accessLog, Path stateDir, Optional<Path> egressHostsFile,
                        List<HttpSource.Settings> controlPlanes, VertxOptions vertxOptions, Duration drainGrace,
                        boolean allowEmpty, Duration watchdogThreshold, XdsFlags xds) {
    /**
     * How long a drain keeps accepting after {@code /ready} turns 503: long enough for a load
     * balancer's readiness probe (Kubernetes: every 10 s by default, often tuned to 1-5 s) and
     * endpoint removal to catch up, short next to the usual 30 s termination grace period.
     */
    public static final Duration DEFAULT_DRAIN_GRACE = Duration.ofSeconds(5);

    public Options {
      Objects.requireNonNull(drainGrace, "drainGrace");
      Objects.requireNonNull(watchdogThreshold, "watchdogThreshold");
      Objects.requireNonNull(configDir, "configDir");
      Objects.requireNonNull(egressHostsFile, "egressHostsFile");
      Objects.requireNonNull(adminPort, "adminPort");
      Objects.requireNonNull(stateDir, "stateDir");
      Objects.requireNonNull(vertxOptions, "vertxOptions");
      Objects.requireNonNull(xds, "xds");
      controlPlanes = List.copyOf(controlPlanes);
      if (eventLoops < 1) {
        throw new IllegalArgumentException("eventLoops: " + eventLoops + " (expected: > 0)");
      }
    }

    /** Without xDS flags (the config's {@code xds} block still applies). */
    public Options(Optional<Path> configDir, OptionalInt adminPort, int eventLoops, Duration drainTimeout,
                   OutputStream accessLog, Path stateDir, Optional<Path> egressHostsFile,
                   List<HttpSource.Settings> controlPlanes, VertxOptions vertxOptions, Duration drainGrace,
                   boolean allowEmpty, Duration watchdogThreshold) {
      this(configDir, adminPort, eventLoops, drainTimeout, accessLog, stateDir, egressHostsFile, controlPlanes,
          vertxOptions, drainGrace, allowEmpty, watchdogThreshold, XdsFlags.NONE);
    }

    /** With Vert.x's default options. */
    public Options(Optional<Path> configDir, OptionalInt adminPort, int eventLoops, Duration drainTimeout,
                   OutputStream accessLog, Path stateDir, Optional<Path> egressHostsFile,
                   List<HttpSource.Settings> controlPlanes) {
      this(configDir, adminPort, eventLoops, drainTimeout, accessLog, stateDir, egressHostsFile, controlPlanes,
          new VertxOptions(), DEFAULT_DRAIN_GRACE, false, EventLoopWatchdog.DEFAULT_THRESHOLD);
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

    /** These options, starting Vert.x from {@code vertx} (e.g. a short {@code maxEventLoopExecuteTime}). */
    public Options withVertxOptions(VertxOptions vertx) {
      return new Options(configDir, adminPort, eventLoops, drainTimeout, accessLog, stateDir, egressHostsFile,
          controlPlanes, vertx, drainGrace, allowEmpty, watchdogThreshold, xds);
    }

    /** These options with a drain that keeps accepting for {@code grace} before it stops. */
    public Options withDrainGrace(Duration grace) {
      return new Options(configDir, adminPort, eventLoops, drainTimeout, accessLog, stateDir, egressHostsFile,
          controlPlanes, vertxOptions, grace, allowEmpty, watchdogThreshold, xds);
    }

    /** These options accepting (or not) a config with no listeners. */
    public Options withAllowEmpty(boolean allow) {
      return new Options(configDir, adminPort, eventLoops, drainTimeout, accessLog, stateDir, egressHostsFile,
          controlPlanes, vertxOptions, drainGrace, allow, watchdogThreshold, xds);
    }

    /** These options with the command line's xDS flags ({@code --xds}, {@code --xds-node-id}, ...). */
    public Options withXds(XdsFlags flags) {
      return new Options(configDir, adminPort, eventLoops, drainTimeout, accessLog, stateDir, egressHostsFile,
          controlPlanes, vertxOptions, drainGrace, allowEmpty, watchdogThreshold, flags);
    }

    /** These options with the event-loop watchdog's threshold at {@code threshold}. */
    public Options withWatchdogThreshold(Duration threshold) {
      return new Options(configDir, adminPort, eventLoops, drainTimeout, accessLog, stateDir, egressHostsFile,
          controlPlanes, vertxOptions, drainGrace, allowEmpty, threshold, xds);
    }
  }

  /**
   * The command line's xDS settings: each {@code --xds} target is a source (one the config's
   * {@code xds} block names too is started once), and {@code --xds-node-id}, {@code --xds-ca},
   * {@code --xds-token} override the block's {@code nodeId}, {@code caCert}, {@code tokenFile} for
   * every source: the command line wins over the file.
   */
  public record XdsFlags(List<String> targets, Optional<String> nodeId, Optional<Path> caFile, Optional<Path> tokenFile) {
    public static final XdsFlags NONE = new XdsFlags(List.of(), Optional.empty(), Optional.empty(), Optional.empty());

    public XdsFlags {
      targets = List.copyOf(targets);
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(caFile, "caFile");
      Objects.requireNonNull(tokenFile, "tokenFile");
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
  private final List<XdsSource> xds = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final ListenerCertificates certificates;
  private final GatewayRuntime runtime;
  private final EventLoopWatchdog watchdog;
  private AdminServer admin;
  private HttpServer demo;

  private Gatehouse(Options options) {
    this.options = options;
    this.vertx = Vertx.vertx(new VertxOptions(options.vertxOptions())
        .setEventLoopPoolSize(options.eventLoops()).setPreferNativeTransport(true));
    this.accessLog = AccessLog.start(options.accessLog()).register(metrics.registry());
    TunnelMetrics tunnels = new TunnelMetrics(metrics.registry(), metrics::istio);
    this.dataplane = new Dataplane(vertx, options.drainTimeout(), metrics.registry(), tunnels,
        SessionCookies.load(options.stateDir()));
    this.watchdog = EventLoopWatchdog.start(vertx, options.watchdogThreshold(), metrics.registry());
    this.runtime = new GatewayRuntime(dataplane, metrics, this::drain, watchdog::blocked);
    this.certificates = new ListenerCertificates(options.stateDir().resolve("dev-certs"));
    this.egress = EgressClients.start(vertx, options.egressHostsFile());
    Duration drain = options.drainTimeout();
    this.listeners = new Listeners(vertx, dataplane, metrics, accessLog, options.eventLoops(), drain, Map.of(
        Listener.Protocol.EGRESS, (l, tls) -> new EgressVerticle(l, tls, dataplane, egress, metrics, tunnels, accessLog, drain),
        Listener.Protocol.TLS_PASSTHROUGH, (l, tls) -> new PassthroughVerticle(l, l.egressPort() > 0
            ? new EgressSni(dataplane, egress, tunnels, l.egressPort()) : new SniRoutes(dataplane, l.name()), tunnels, accessLog, drain),
        Listener.Protocol.TCP, (l, tls) -> new TcpVerticle(l, tls, dataplane, tunnels, accessLog, drain)));
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
      files = new FileSource(options.configDir().get(), store, Duration.ofSeconds(1), options.allowEmpty());
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
    AdminServer server = new AdminServer(vertx, runtime, store, options.stateDir(), baseDir);
    try {
      server.token(config.admin().tokenFile());
    } catch (IOException e) {
      throw new IllegalStateException("admin.tokenFile cannot be read: " + e.getMessage(), e);
    }
    admin = await(server.start(adminOptions(config, adminPort)));
    for (HttpSource.Settings settings : options.controlPlanes()) {
      HttpSource source = new HttpSource(vertx, store, settings, baseDir, new Random());
      source.start();
      metrics.source(source.name(), () -> source.status().lastError().isEmpty());
    }
    if (files != null) {
      metrics.source(files.name(), () -> files.status().lastError().isEmpty());
    }
    startKubernetes(config);
    startXds(config);
    runtime.started(true);
    LOG.info(() -> "gatehouse ready: config version " + store.version() + ", listeners " + describeListeners(config)
        + ", admin " + config.admin().address() + ":" + admin.port() + ", event loops " + options.eventLoops()
        + ", native transport " + vertx.isNativeTransportEnabled());
  }

  /** One source per {@code kubernetes} entry (cluster); each registers with the store for {@code /sync}. */
  private void startKubernetes(GatewayConfig config) {
    config.kubernetes().forEach(k -> kubernetes.add(KubernetesSource.start(k, store)));
  }

  /**
   * One source per control plane of the config's {@code xds} block and of {@code --xds}, with the
   * command line's settings over the block's ({@link XdsFlags}). Read at start, as the
   * {@code kubernetes} block is.
   */
  private void startXds(GatewayConfig config) {
    Map<String, Xds> planes = new java.util.LinkedHashMap<>();
    config.xds().forEach(x -> planes.put(x.address(), x));
    options.xds().targets().forEach(t -> planes.putIfAbsent(t, new Xds(t, "", "", "", false)));
    planes.values().forEach(x -> addXds(xdsSettings(x, options.xds(), config.meshIdentity(), System.getenv())));
  }

  /**
   * The settings of control plane {@code x}: the flags' node id, CA and token over the block's.
   * Without a CA named, a gateway with a {@code meshIdentity} trusts the mesh root (its
   * {@code caCert}, istiod's serving certificate is signed by it), as istio-agent does, unless the
   * entry says {@code plaintext}; without either, loopback is plaintext and other hosts are
   * verified against the JVM's trust store.
   */
  static XdsSource.Settings xdsSettings(Xds x, XdsFlags flags, MeshIdentity mesh, Map<String, String> env) {
    String nodeId = flags.nodeId().orElse(x.nodeId().isEmpty() ? defaultNodeId() : x.nodeId());
    Optional<Path> ca = flags.caFile().or(() -> x.caCert().isEmpty() ? Optional.empty() : Optional.of(Path.of(x.caCert())));
    if (ca.isEmpty() && !x.plaintext() && mesh.enabled()) {
      Path root = Path.of(mesh.caCert());
      if (Files.isRegularFile(root)) {
        ca = Optional.of(root);
      } else {
        LOG.warning(() -> "xDS source " + x.address() + ": the mesh root " + root + " (meshIdentity.caCert) is not a file;"
            + " the control plane's certificate is checked against the JVM's trust store");
      }
    }
    Optional<Path> token = flags.tokenFile().or(() -> x.tokenFile().isEmpty() ? Optional.empty()
        : Optional.of(Path.of(x.tokenFile())));
    return XdsSource.Settings.parse(x.address(), nodeId, ca, env).withTokenFile(token);
  }

  /** Istio's router node id from the pod's environment; the host's address when there is no INSTANCE_IP. */
  static String defaultNodeId() {
    String ip;
    try {
      ip = java.net.InetAddress.getLocalHost().getHostAddress();
    } catch (IOException e) {
      ip = "127.0.0.1";
    }
    return io.gatehouse.admin.source.xds.IstioNode.defaultId(System.getenv(), ip);
  }

  /** The xDS sources started so far (from the config's {@code xds} block, {@code --xds}, or {@link #addXds}). */
  public List<XdsSource> xdsSources() {
    return List.copyOf(xds);
  }

  /**
   * Adds an xDS control plane as a config source ({@code run --xds}): it connects at once, and its
   * listeners, routes and upstreams join the config when its first complete answer arrives.
   */
  public XdsSource addXds(XdsSource.Settings settings) {
    XdsSource source = new XdsSource(store, settings,
        io.gatehouse.routes.mesh.SecretDirectory.defaultFor("xds-" + settings.host() + "-" + settings.port()),
        new Random(), Version.current());
    xds.add(source);
    metrics.source(source.name(), () -> source.status().lastError().isEmpty());
    metrics.xds(source);
    source.start();
    return source;
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
    Map<String, ListenerTlsSetup> tls = certificates.load(config);
    egress.prepare(config.egress());
    Snapshot next = dataplane.compile(config, version);
    try {
      await(listeners.open(config.listeners(), tls));
    } catch (RuntimeException e) {
      dataplane.discard(next);
      throw e;
    }
    metrics.telemetry(config.telemetry(), config.upstreams(), config.meshIdentity().trustDomain());
    accessLog.format(config.telemetry().accessLog());
    dataplane.install(next);
    await(listeners.updateTls(tls));
    publishCertificates(tls);
    metrics.upstreams(next.upstreams().values());
    listeners.closeUnwanted(config.listeners());
    // Istio mutual TLS clusters from xDS are served only while the config has a meshIdentity.
    xds.forEach(source -> source.meshIdentity(config.meshIdentity().enabled()));
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
    dataplane.refreshKeys(config.security()); // a rotated JWKS file
    Map<String, ListenerTlsSetup> tls = certificates.load(config);
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
    try {
      return certificates.admin(config.admin(), new HttpServerOptions().setHost(config.admin().address()).setPort(port));
    } catch (CertificateProblem e) {
      throw new IllegalStateException("admin.tls: " + e.getMessage(), e);
    }
  }

  private void startDemo(GatewayConfig config) {
    if (demo == null && config.demo().enabled()) {
      demo = await(DemoEcho.start(vertx, config.demo().echoPort()));
      LOG.info(() -> "demo echo upstream listening on 127.0.0.1:" + demo.actualPort());
    }
  }

  /**
   * Drains, as Envoy does: {@code /ready} turns 503 at once; for the grace period the listeners
   * keep accepting and answer every request, HTTP/1.1 with {@code Connection: close} and HTTP/2
   * with GOAWAY, so clients and the load balancer move away without a refused connection; then
   * the listeners stop accepting and the requests in flight finish within the drain timeout.
   * Blocks until then; call it off the event loops.
   */
  public void drain() {
    dataplane.startDraining();
    LOG.info(() -> "draining: /ready answers 503; listeners accept for " + options.drainGrace().toMillis()
        + " ms more (Connection: close, GOAWAY), then stop; up to " + options.drainTimeout().toSeconds()
        + " s for requests in flight");
    try {
      listeners.startDrain().toCompletionStage().toCompletableFuture().get(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (!options.drainGrace().isZero()) {
        vertx.timer(options.drainGrace().toMillis(), TimeUnit.MILLISECONDS).toCompletionStage().toCompletableFuture()
            .get(options.drainGrace().toMillis() + 5_000, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warning("drain's grace period did not run cleanly: " + e);
    }
    LOG.info("draining: listeners stop accepting");
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
    runtime.started(false);
    if (files != null) {
      files.close();
    }
    kubernetes.forEach(KubernetesSource::close);
    xds.forEach(XdsSource::close);
    store.close();
    watchdog.close();
    dataplane.identities().close(); // stops renewing; the CA channel closes
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
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out after " + STEP_TIMEOUT_SECONDS + "s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
