package io.gatehouse.admin.source.kubernetes;

import io.gatehouse.admin.source.ConfigSource;
import io.gatehouse.admin.source.SourceStatus;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gatehouse.admin.store.ConfigStore;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Kubernetes;
import io.gatehouse.routes.Origin;
import io.gatehouse.routes.load.LoadResult;
import io.gatehouse.routes.mesh.MeshFragment;
import io.gatehouse.routes.mesh.MeshMerge;
import io.gatehouse.routes.mesh.MeshProblem;
import io.gatehouse.routes.mesh.MeshResource;
import io.gatehouse.routes.mesh.MeshSettings;
import io.gatehouse.routes.mesh.MeshTranslator;
import io.gatehouse.routes.mesh.SecretDirectory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A Kubernetes cluster as a config source. Informers watch (list once, then watch; no polling)
 * Istio, Gateway API and Ingress resources plus the Services, EndpointSlices, Secrets and Pods they name,
 * in the configured namespaces. A burst of changes is debounced into one translation, which runs
 * on the store's writer thread and is merged into the native config ({@code base}); Gateway API
 * resources then get their status conditions written back, and Ingresses their load-balancer addresses. All Kubernetes calls run on this
 * source's own thread, never on an event loop.
 */
public final class KubernetesSource implements ConfigSource {
  private static final Logger LOG = Logger.getLogger(KubernetesSource.class.getName());
  private static final long RETRY_SECONDS = 30;
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  private final Kubernetes config;
  private final KubernetesClient client;
  private final boolean ownsClient;
  private final ConfigStore store;
  private final SecretDirectory secrets;
  private final StatusWriter statusWriter;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Map<WatchedKind, List<SharedIndexInformer<GenericKubernetesResource>>> informers = new LinkedHashMap<>();
  private final List<String> unwatched = new java.util.concurrent.CopyOnWriteArrayList<>();
  private List<Map.Entry<WatchedKind, String>> pending = new ArrayList<>();
  private volatile boolean retrying;
  private volatile boolean synced;
  private volatile KubernetesStatus status;
  private volatile String resourceVersion = "";
  private volatile MeshFragment fragment = MeshFragment.EMPTY;
  private final java.util.function.UnaryOperator<LoadResult> overlay = this::overlay;
  private volatile boolean closed;
  private Set<String> loggedProblems = Set.of();

  private KubernetesSource(Kubernetes config, KubernetesClient client, boolean ownsClient, ConfigStore store,
                           SecretDirectory secrets) {
    this.config = Objects.requireNonNull(config, "config");
    this.client = Objects.requireNonNull(client, "client");
    this.ownsClient = ownsClient;
    this.store = Objects.requireNonNull(store, "store");
    this.secrets = Objects.requireNonNull(secrets, "secrets");
    this.statusWriter = new StatusWriter(client);
    this.status = KubernetesStatus.starting(config.name());
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "gatehouse-kubernetes-" + config.name());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts watching with a client built from {@code config.masterUrl()} (or the usual discovery when
   * empty). Returns at once; the informers sync on the source's thread.
   */
  public static KubernetesSource start(Kubernetes config, ConfigStore store) {
    // Credentials come from the usual discovery (service account, kubeconfig); masterUrl only moves the server.
    Config clientConfig = config.masterUrl().isEmpty() ? Config.autoConfigure(null)
        : new ConfigBuilder(Config.autoConfigure(null)).withMasterUrl(config.masterUrl()).build();
    KubernetesClient client = new KubernetesClientBuilder().withConfig(clientConfig).build();
    return start(config, client, true, store);
  }

  /** Starts watching with a given client (tests, or an embedding that owns the client). */
  public static KubernetesSource start(Kubernetes config, KubernetesClient client, boolean ownsClient,
                                       ConfigStore store) {
    KubernetesSource source = new KubernetesSource(config, client, ownsClient, store,
        SecretDirectory.defaultFor("kubernetes-" + config.name()));
    store.addOverlay(source.overlay);
    store.register(source);
    for (WatchedKind kind : WatchedKind.ALL) {
      (kind.namespaced() ? source.namespaces() : List.of("")).forEach(ns -> source.pending.add(Map.entry(kind, ns)));
    }
    source.executor.execute(source::watch);
    return source;
  }

  @Override public String name() {
    return "kubernetes:" + config.name();
  }

  /** The whole status: resource problems by resource, kinds not watched. */
  public KubernetesStatus kubernetesStatus() {
    return status;
  }

  /** The status as {@code GET /sync} lists every source: problems and unwatched kinds are warnings. */
  @Override public SourceStatus status() {
    KubernetesStatus s = status;
    List<String> warnings = new ArrayList<>();
    s.unwatchedKinds().forEach(k -> warnings.add("not watched: " + k));
    s.problems().values().forEach(warnings::addAll);
    return new SourceStatus(name(), "kubernetes", s.resourceVersion(), s.lastSuccess(), s.lastError(), warnings);
  }

  /**
   * Starts an informer for every pending kind and namespace, all at once (each lists, then
   * watches). The first translation waits until every one has started or failed, so a partial
   * view never reports false errors. One that cannot start (the API server is unreachable, a CRD
   * is not installed yet) is tried again every {@link #RETRY_SECONDS}s.
   */
  private void watch() {
    if (closed) {
      return;
    }
    ResourceEventHandler<GenericKubernetesResource> handler = new ResourceEventHandler<>() {
      @Override public void onAdd(GenericKubernetesResource r) {
        changed(r);
      }

      @Override public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource r) {
        changed(r);
      }

      @Override public void onDelete(GenericKubernetesResource r, boolean unknownFinalState) {
        changed(r);
      }
    };
    List<Map.Entry<WatchedKind, String>> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    for (Map.Entry<WatchedKind, String> entry : pending) {
      WatchedKind kind = entry.getKey();
      String ns = entry.getValue();
      CompletableFuture<Void> started = new CompletableFuture<>();
      starts.add(started);
      try {
        var resources = client.genericKubernetesResources(kind.context());
        SharedIndexInformer<GenericKubernetesResource> informer = ns.isEmpty()
            ? resources.inAnyNamespace().runnableInformer(0) : resources.inNamespace(ns).runnableInformer(0);
        informer.addEventHandler(handler);
        informer.start().whenCompleteAsync((ok, e) -> {
          if (e == null) {
            informers.computeIfAbsent(kind, k -> new ArrayList<>()).add(informer);
          } else {
            informer.stop();
            cannotWatch(entry, failed, e);
          }
          started.complete(null);
        }, executor);
      } catch (RuntimeException e) {
        cannotWatch(entry, failed, e);
        started.complete(null);
      }
    }
    CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).thenRunAsync(() -> {
      pending = List.copyOf(failed);
      unwatched.clear();
      failed.forEach(e -> unwatched.add(e.getKey() + (e.getValue().isEmpty() ? "" : " in " + e.getValue())));
      retrying = true;
      synced = true;
      if (!failed.isEmpty() && !closed) {
        executor.schedule(this::watch, RETRY_SECONDS, TimeUnit.SECONDS);
      }
      schedule();
    }, executor);
  }

  private static String describe(Throwable e) {
    String text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    Throwable cause = e.getCause();
    return cause == null || cause == e ? text : text + " (" + describe(cause) + ")";
  }

  private void cannotWatch(Map.Entry<WatchedKind, String> entry, List<Map.Entry<WatchedKind, String>> failed, Throwable e) {
    failed.add(entry);
    if (closed) {
      return;
    }
    // A CRD that is not installed (no Istio, no Gateway API) is not an error: those kinds are simply absent.
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    LOG.log(retrying ? Level.FINE : Level.WARNING, () -> name() + ": cannot watch " + entry.getKey()
        + (entry.getValue().isEmpty() ? "" : " in namespace " + entry.getValue()) + " (trying again every "
        + RETRY_SECONDS + "s): " + describe(cause));
  }

  private List<String> namespaces() {
    return config.namespaces().isEmpty() ? List.of("") : config.namespaces();
  }

  private void changed(GenericKubernetesResource r) {
    String rv = r.getMetadata() == null ? null : r.getMetadata().getResourceVersion();
    if (rv != null) {
      resourceVersion = rv;
    }
    schedule();
  }

  /** Debounce: the first change of a burst schedules one rebuild, which reads whatever is current then. */
  private void schedule() {
    if (!closed && synced && scheduled.compareAndSet(false, true)) {
      executor.schedule(this::rebuild, config.debounce().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void rebuild() {
    scheduled.set(false);
    List<MeshResource> resources;
    try {
      resources = snapshot();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, name() + ": could not read the watched resources", e);
      status = new KubernetesStatus(config.name(), resourceVersion, status.lastSuccess(), status.configVersion(),
          Optional.of(String.valueOf(e.getMessage())), unwatched, status.problems());
      return;
    }
    MeshFragment[] translated = {MeshFragment.EMPTY};
    // The translation joins every merged config through the overlay; this source's own fragment
    // is empty, so its objects are never shadowed by or duplicated into another source's.
    store.offer(name(), () -> {
      translated[0] = MeshTranslator.translate(resources, MeshSettings.of(config), secrets);
      fragment = translated[0];
      return new LoadResult.Loaded(GatewayConfig.EMPTY);
    }).whenCompleteAsync((outcome, failure) -> afterOffer(translated[0], outcome, failure), executor);
  }

  private List<MeshResource> snapshot() {
    Origin origin = new Origin(name(), 0);
    List<MeshResource> out = new ArrayList<>();
    informers.values().stream().flatMap(List::stream).forEach(informer -> {
      for (GenericKubernetesResource r : informer.getStore().list()) {
        // fabric8 serialises with its own Jackson; the translator reads Jackson 2 trees, so go through JSON text.
        JsonNode json = readTree(client.getKubernetesSerialization().asJson(r));
        MeshResource.of(json, MeshResource.Locator.fixed(origin), "default").ifPresent(out::add);
      }
    });
    return out;
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("unreadable resource from the API server: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Runs on the store's writer for every load, whichever source offered it (the file source's
   * reloads included): the latest translation joins the native config.
   */
  private LoadResult overlay(LoadResult baseResult) {
    if (!(baseResult instanceof LoadResult.Loaded loaded)) {
      return baseResult;
    }
    MeshMerge.Merged merged = MeshMerge.merge(loaded.config(), fragment, new Origin(name(), 0));
    return merged.errors().isEmpty() ? new LoadResult.Loaded(merged.config(), loaded.warnings()) : new LoadResult.Rejected(merged.errors());
  }

  private void afterOffer(MeshFragment fragment, ConfigStore.Outcome outcome, Throwable failure) {
    try {
      logNewProblems(fragment);
      Map<String, List<String>> problems = new LinkedHashMap<>();
      fragment.problems().forEach(p -> problems.computeIfAbsent(p.resource(), k -> new ArrayList<>()).add(p.toString()));
      KubernetesStatus previous = status;
      if (failure != null) {
        LOG.log(Level.WARNING, name() + ": translation failed", failure);
      }
      if (failure != null || outcome instanceof ConfigStore.Outcome.Rejected) {
        String error = failure != null ? String.valueOf(failure.getMessage())
            : ((ConfigStore.Outcome.Rejected) outcome).errors().toString();
        status = new KubernetesStatus(config.name(), resourceVersion, previous.lastSuccess(), previous.configVersion(),
            Optional.of(error), unwatched, problems);
        return;
      }
      long version = outcome instanceof ConfigStore.Outcome.Installed i ? i.version()
          : ((ConfigStore.Outcome.Unchanged) outcome).version();
      status = new KubernetesStatus(config.name(), resourceVersion, Optional.of(Instant.now()), version,
          Optional.empty(), unwatched, problems);
      GatewayConfig current = store.current();
      if (current != null) {
        secrets.retainOnly(current.files());
      }
      writeStatuses(fragment);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, name() + ": after a config change", e);
    }
  }

  /**
   * Ingresses of this gateway's class get the published addresses in {@code status.loadBalancer}
   * (those left out for an error get none), when the source publishes any.
   */
  private void writeIngressStatuses(MeshFragment fragment) {
    List<SharedIndexInformer<GenericKubernetesResource>> ingresses = informers.getOrDefault(WatchedKind.INGRESS, List.of());
    if (ingresses.isEmpty() || (config.publishService().isEmpty() && config.publishAddresses().isEmpty())) {
      return;
    }
    List<Map<String, Object>> addresses = publishedAddresses();
    for (GenericKubernetesResource r : ingresses.stream().flatMap(i -> i.getStore().list().stream()).toList()) {
      Boolean accepted = fragment.accepted().get("Ingress " + r.getMetadata().getNamespace() + "/" + r.getMetadata().getName());
      if (accepted != null) {
        statusWriter.writeIngress(r, accepted ? addresses : List.of());
      }
    }
  }

  /**
   * The addresses Ingresses publish: {@code publishAddresses} as written, or the LoadBalancer status
   * of the {@code publishService} (from the watched Services, else read once now; none while it has none).
   */
  private List<Map<String, Object>> publishedAddresses() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String a : config.publishAddresses()) {
      boolean ip = io.gatehouse.routes.load.Values.isIpv4(a) || io.gatehouse.routes.load.Values.isIpv6(a);
      out.add(StatusWriter.address(ip ? "ip" : "hostname", a));
    }
    if (config.publishService().isEmpty()) {
      return out;
    }
    String[] ref = config.publishService().split("/", 2);
    Optional<GenericKubernetesResource> service = informers.getOrDefault(WatchedKind.SERVICE, List.of()).stream()
        .map(i -> i.getStore().getByKey(ref[0] + "/" + ref[1])).filter(Objects::nonNull).findFirst();
    if (service.isEmpty()) {
      try {
        service = Optional.ofNullable(client.genericKubernetesResources(WatchedKind.SERVICE.context())
            .inNamespace(ref[0]).withName(ref[1]).get());
      } catch (RuntimeException e) {
        LOG.log(Level.FINE, () -> name() + ": cannot read Service " + config.publishService() + ": " + describe(e));
      }
    }
    return service.map(StatusWriter::published).orElse(out);
  }

  private void writeStatuses(MeshFragment fragment) {
    writeIngressStatuses(fragment);
    for (Map.Entry<WatchedKind, List<SharedIndexInformer<GenericKubernetesResource>>> e : informers.entrySet()) {
      if (!e.getKey().hasStatus()) {
        continue;
      }
      for (GenericKubernetesResource r : e.getValue().stream().flatMap(i -> i.getStore().list().stream()).toList()) {
        String id = r.getKind() + " " + r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
        Boolean accepted = fragment.accepted().get(id);
        if (accepted != null) {
          statusWriter.write(e.getKey(), r, fragment.problemsOf(id));
        }
      }
    }
  }

  private void logNewProblems(MeshFragment fragment) {
    Set<String> now = new HashSet<>();
    for (MeshProblem p : fragment.problems()) {
      String line = p.toString();
      now.add(line);
      if (!loggedProblems.contains(line)) {
        LOG.warning(() -> name() + ": " + (p.severity() == MeshProblem.Severity.ERROR ? "resource left out: " : "") + line);
      }
    }
    loggedProblems = now;
  }

  /** Stops watching; idempotent (the store closes the sources registered with it, and so may its owner). */
  @Override public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    store.removeOverlay(overlay);
    executor.execute(() -> informers.values().forEach(list -> list.forEach(SharedIndexInformer::stop)));
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownsClient) {
      client.close();
    }
  }
}
