package io.gatehouse.admin.source.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.gatehouse.admin.source.Backoff;
import io.gatehouse.admin.source.ConfigSource;
import io.gatehouse.admin.source.SourceStatus;
import io.gatehouse.admin.source.xds.EndpointTranslator.XEndpoints;
import io.gatehouse.admin.store.ConfigStore;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.load.LoadResult;
import io.gatehouse.routes.mesh.SecretStore;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.random.RandomGenerator;

/**
 * An xDS control plane (istiod, or any server of Envoy's v3 API) as a config source: one
 * Aggregated Discovery Service stream (state of the world) subscribing to clusters and listeners,
 * then to the endpoints, route configurations and secrets they name. Each answer is translated
 * into the native model; one that cannot be served is NACKed with a detail naming the resource and
 * field, and the source's last good config keeps serving. A lost stream is reopened with
 * exponential backoff and jitter. Everything runs on the source's own thread, which may block on
 * the store (never an event loop).
 */
public final class XdsSource implements ConfigSource {
  private static final Logger LOG = Logger.getLogger(XdsSource.class.getName());
  /** gRPC status INVALID_ARGUMENT, what Envoy puts in a NACK's error_detail. */
  private static final int INVALID_ARGUMENT = 3;
  /** A control plane that answers a NACK with the same resources again is answered at this pace, not in a loop. */
  private static final Backoff REPEATED_NACK = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(5));

  /**
   * Where and as whom: {@code host:port}, the node id, the CA that signs the control plane's
   * certificate (empty: plaintext on loopback, the JVM's trust store elsewhere), a token file sent
   * as {@code authorization: Bearer} (istiod's way for clients without a mesh certificate), the
   * node's environment (POD_NAME, ISTIO_META_*), and the reconnect backoff.
   */
  public record Settings(String host, int port, String nodeId, Optional<Path> caFile, Optional<Path> tokenFile,
                         Map<String, String> env, Backoff backoff) {
    public Settings {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(tokenFile, "tokenFile");
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(caFile, "caFile");
      env = Map.copyOf(env);
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
      }
    }

    /** Backs off from 500ms up to 30s. */
    public static Settings of(String host, int port, String nodeId, Optional<Path> caFile, Map<String, String> env) {
      return new Settings(host, port, nodeId, caFile, Optional.empty(), env,
          new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30)));
    }

    /** {@code HOST:PORT} (IPv6 in brackets) as a target. */
    public static Settings parse(String target, String nodeId, Optional<Path> caFile, Map<String, String> env) {
      int colon = target.lastIndexOf(':');
      if (colon <= 0 || colon == target.length() - 1) {
        throw new IllegalArgumentException("--xds: " + target + " (expected: HOST:PORT)");
      }
      String host = target.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port;
      try {
        port = Integer.parseInt(target.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--xds: " + target + " (expected: HOST:PORT)");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("--xds: " + target + " (expected: a port in 1..65535)");
      }
      return of(host, port, nodeId, caFile, env);
    }

    /** These settings sending the token in {@code file} (a Kubernetes service account token) as a bearer token. */
    public Settings withTokenFile(Optional<Path> file) {
      return new Settings(host, port, nodeId, caFile, file, env, backoff);
    }

    boolean loopback() {
      return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }
  }

  /** The last state of one resource type on this stream and what was accepted (written on the source's thread). */
  private static final class TypeState {
    final XdsType type;
    volatile String version = "";
    String nonce = "";
    Set<String> names = new TreeSet<>();
    boolean requested;
    volatile boolean received;
    String lastNackedVersion = "";
    /** Why the last answer was NACKed; empty once one is accepted. */
    volatile String error = "";
    int repeatedNacks;
    final AtomicLong updates = new AtomicLong();
    final AtomicLong nacks = new AtomicLong();
    /** Notes of the accepted resources, by resource. */
    Map<String, List<String>> notes = new LinkedHashMap<>();

    TypeState(XdsType type) {
      this.type = type;
    }
  }

  private final ConfigStore store;
  private final Settings settings;
  private final SecretStore secrets;
  private final RandomGenerator random;
  private final String name;
  private final Node node;
  private final ScheduledExecutorService thread;
  private final ManagedChannel channel;
  private final Map<XdsType, TypeState> types = new EnumMap<>(XdsType.class);
  /** Source thread only. */
  private final Map<String, XListener> listeners = new HashMap<>();
  private final Map<String, List<Route>> routes = new HashMap<>();
  private final Map<String, XCluster> clusters = new HashMap<>();
  private final Map<String, XEndpoints> endpoints = new HashMap<>();
  private final Map<String, SecretStore.TlsFiles> secretFiles = new HashMap<>();
  private StreamObserver<DiscoveryRequest> requests;
  /** The last fragment the store took from this source. */
  private GatewayConfig offered;
  private long stream;
  private int failures;
  private boolean closed;
  private volatile boolean connected;
  private volatile Optional<Instant> lastSuccess = Optional.empty();
  private volatile Optional<String> lastError = Optional.empty();
  private volatile Optional<Instant> nextRetry = Optional.empty();
  /** Whether the serving config has a meshIdentity (Istio mutual TLS clusters are served only then). */
  private volatile boolean meshIdentity;
  private volatile List<String> waiting = List.of();
  private volatile List<String> assemblyNotes = List.of();
  private final Map<XdsType, List<String>> typeNotes = new ConcurrentHashMap<>();

  public XdsSource(ConfigStore store, Settings settings, SecretStore secrets, RandomGenerator random, String version) {
    this.store = Objects.requireNonNull(store, "store");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.secrets = Objects.requireNonNull(secrets, "secrets");
    this.random = Objects.requireNonNull(random, "random");
    this.name = "xds:" + (settings.host().indexOf(':') >= 0 ? "[" + settings.host() + "]" : settings.host()) + ":" + settings.port();
    this.node = IstioNode.of(settings.nodeId(), settings.env(), version);
    GatewayConfig serving = store.current();
    this.meshIdentity = serving != null && serving.meshIdentity().enabled();
    for (XdsType t : XdsType.values()) {
      types.put(t, new TypeState(t));
    }
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "gatehouse-" + name);
      t.setDaemon(true);
      return t;
    });
    this.channel = Grpc.newChannelBuilderForAddress(settings.host(), settings.port(), credentials(settings))
        .executor(thread).keepAliveTime(30, TimeUnit.SECONDS).maxInboundMessageSize(64 * 1024 * 1024).build();
  }

  private static ChannelCredentials credentials(Settings settings) {
    if (settings.caFile().isEmpty() && settings.loopback()) {
      return InsecureChannelCredentials.create();
    }
    if (settings.caFile().isEmpty()) {
      return TlsChannelCredentials.create();
    }
    try {
      return TlsChannelCredentials.newBuilder().trustManager(settings.caFile().get().toFile()).build();
    } catch (IOException e) {
      throw new IllegalArgumentException("xDS CA file " + settings.caFile().get() + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** Registers with the store and opens the stream. */
  public void start() {
    store.register(this);
    thread.execute(this::connect);
  }

  @Override public String name() {
    return name;
  }

  /** The node this source presents (id and metadata). */
  public Node node() {
    return node;
  }

  /**
   * Tells the source whether the serving config has a {@code meshIdentity} (the gateway calls this
   * at each install). When that changes, the accepted resources are put together again, so routes
   * to Istio mutual TLS clusters start or stop being served without waiting for the control plane.
   * Never blocks: the work runs on the source's thread.
   */
  public void meshIdentity(boolean enabled) {
    if (meshIdentity == enabled) {
      return;
    }
    meshIdentity = enabled;
    if (thread.isShutdown()) {
      return;
    }
    thread.execute(() -> {
      if (closed || !types.get(XdsType.LDS).received || !types.get(XdsType.CDS).received) {
        return;
      }
      String refused = offer(assemble());
      if (!refused.isEmpty()) {
        LOG.warning(() -> "xDS source " + name + ": the config put together again for meshIdentity "
            + (enabled ? "added" : "removed") + " was refused: " + refused);
      }
    });
  }

  /** Whether the ADS stream is open and has answered. */
  public boolean connected() {
    return connected;
  }

  /** The answers accepted (ACKed) for {@code type}: {@code lds}, {@code rds}, {@code cds}, {@code eds}, {@code sds}. */
  public long updates(String type) {
    return state(type).updates.get();
  }

  /** The answers refused (NACKed) for {@code type}. */
  public long nacks(String type) {
    return state(type).nacks.get();
  }

  /** The type tags {@link #updates} and {@link #nacks} take. */
  public static List<String> typeTags() {
    return java.util.Arrays.stream(XdsType.values()).map(t -> t.tag).toList();
  }

  private TypeState state(String tag) {
    for (XdsType t : XdsType.values()) {
      if (t.tag.equals(tag)) {
        return types.get(t);
      }
    }
    throw new IllegalArgumentException("type: " + tag + " (expected: one of " + typeTags() + ")");
  }

  private void connect() {
    if (closed) {
      return;
    }
    long id = ++stream;
    types.values().forEach(s -> {
      s.nonce = "";
      s.requested = false;
    });
    channel.resetConnectBackoff();
    var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
    if (settings.tokenFile().isPresent()) {
      try {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + java.nio.file.Files.readString(settings.tokenFile().get()).strip());
        stub = stub.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
      } catch (IOException e) {
        lost("the token file " + settings.tokenFile().get() + " cannot be read: " + e.getClass().getSimpleName());
        return;
      }
    }
    requests = stub.streamAggregatedResources(new StreamObserver<>() {
      @Override public void onNext(DiscoveryResponse response) {
        if (id == stream) {
          receive(response);
        }
      }

      @Override public void onError(Throwable t) {
        if (id == stream) {
          lost(describe(t));
        }
      }

      @Override public void onCompleted() {
        if (id == stream) {
          lost("the control plane closed the stream");
        }
      }
    });
    boolean first = true;
    for (XdsType t : XdsType.values()) {
      TypeState s = types.get(t);
      if (t.wildcard || !s.names.isEmpty()) {
        send(s, "", first);
        first = false;
      }
    }
    LOG.info(() -> "xDS source " + name + ": stream opened as node " + node.getId());
  }

  private void lost(String why) {
    connected = false;
    requests = null;
    if (closed) {
      return;
    }
    int n = ++failures;
    Duration delay = settings.backoff().delay(n, random);
    lastError = Optional.of(why);
    nextRetry = Optional.of(Instant.now().plus(delay));
    LOG.warning(() -> "xDS source " + name + ": stream lost (" + n + " in a row), reconnecting in " + delay.toMillis()
        + "ms; the last good config keeps serving: " + why);
    thread.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Sends the request for {@code s}: an ACK (no detail) or a NACK; the node goes with the stream's first request. */
  private void send(TypeState s, String errorDetail, boolean withNode) {
    if (requests == null) {
      return;
    }
    DiscoveryRequest.Builder r = DiscoveryRequest.newBuilder().setTypeUrl(s.type.typeUrl).setVersionInfo(s.version)
        .setResponseNonce(s.nonce).addAllResourceNames(s.type.wildcard ? List.of() : s.names);
    if (withNode || !types.values().stream().anyMatch(x -> x.requested)) {
      r.setNode(node);
    }
    if (!errorDetail.isEmpty()) {
      r.setErrorDetail(Status.newBuilder().setCode(INVALID_ARGUMENT).setMessage(errorDetail));
    }
    s.requested = true;
    requests.onNext(r.build());
  }

  private void receive(DiscoveryResponse response) {
    connected = true;
    lastError = Optional.empty();
    failures = 0;
    nextRetry = Optional.empty();
    lastSuccess = Optional.of(Instant.now());
    XdsType type = XdsType.of(response.getTypeUrl());
    if (type == null) {
      LOG.warning(() -> "xDS source " + name + ": answer of unrequested type " + response.getTypeUrl() + " ignored");
      return;
    }
    TypeState s = types.get(type);
    s.nonce = response.getNonce();
    List<String> problems = new ArrayList<>();
    Map<String, List<String>> notes = new LinkedHashMap<>();
    Map<String, Object> translated = new LinkedHashMap<>();
    for (int i = 0; i < response.getResourcesCount(); i++) {
      translate(type, response.getResources(i), i, translated, problems, notes);
    }
    if (problems.isEmpty()) {
      Map<String, Object> previous = replace(type, translated);
      XdsAssembly.Result result = assemble();
      long started = System.nanoTime();
      String refused = offer(result);
      LOG.fine(() -> "xDS source " + name + ": " + type.tag + " version " + response.getVersionInfo() + " applied in "
          + (System.nanoTime() - started) / 1_000_000 + " ms");
      if (refused.isEmpty()) {
        accept(s, response, notes, result);
        return;
      }
      replace(type, previous);
      problems.add(refused);
    }
    nack(s, response, problems);
  }

  private void translate(XdsType type, Any any, int index, Map<String, Object> out, List<String> problems,
                         Map<String, List<String>> notes) {
    Message message;
    try {
      message = switch (type) {
        case LDS -> any.unpack(io.envoyproxy.envoy.config.listener.v3.Listener.class);
        case RDS -> any.unpack(RouteConfiguration.class);
        case CDS -> any.unpack(Cluster.class);
        case EDS -> any.unpack(ClusterLoadAssignment.class);
        case SDS -> any.unpack(Secret.class);
      };
    } catch (InvalidProtocolBufferException e) {
      problems.add(type.kind + " resources[" + index + "]: cannot be read as " + type.kind + ": " + e.getMessage());
      return;
    }
    String resource = switch (type) {
      case LDS -> ((io.envoyproxy.envoy.config.listener.v3.Listener) message).getName();
      case RDS -> ((RouteConfiguration) message).getName();
      case CDS -> ((Cluster) message).getName();
      case EDS -> ((ClusterLoadAssignment) message).getClusterName();
      case SDS -> ((Secret) message).getName();
    };
    Findings f = new Findings(type, resource);
    Object result = switch (type) {
      case LDS -> ListenerTranslator.translate((io.envoyproxy.envoy.config.listener.v3.Listener) message, f);
      case RDS -> RouteTranslator.translate((RouteConfiguration) message, f);
      case CDS -> ClusterTranslator.translate((Cluster) message, f);
      case EDS -> EndpointTranslator.translate((ClusterLoadAssignment) message, f);
      case SDS -> SecretTranslator.translate((Secret) message, secrets, f).orElse(null);
    };
    problems.addAll(f.problems());
    if (!f.notes().isEmpty()) {
      notes.put(resource, f.notes());
    }
    if (result != null && f.problems().isEmpty()) {
      out.put(resource, result);
    }
  }

  /** Puts {@code next} in place of the accepted resources of {@code type}; answers what was there. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> replace(XdsType type, Map<String, Object> next) {
    Map<String, ?> target = switch (type) {
      case LDS -> listeners;
      case RDS -> routes;
      case CDS -> clusters;
      case EDS -> endpoints;
      case SDS -> secretFiles;
    };
    Map<String, Object> previous = new LinkedHashMap<>(target);
    Map<String, Object> raw = (Map<String, Object>) target;
    raw.clear();
    raw.putAll(next);
    return previous;
  }

  private XdsAssembly.Result assemble() {
    return XdsAssembly.assemble(new XdsAssembly.Resources(listeners, routes, clusters, endpoints, secretFiles,
        types.get(XdsType.LDS).received, types.get(XdsType.CDS).received, meshIdentity));
  }

  /** Offers the assembled fragment; empty when the store took it (or there is nothing to offer yet), else why not. */
  private String offer(XdsAssembly.Result result) {
    assemblyNotes = result.notes();
    waiting = result.waiting();
    if (result.fragment().isEmpty()) {
      return "";
    }
    GatewayConfig fragment = result.fragment().get();
    if (fragment.equals(offered)) {
      return ""; // a new version of an unchanged resource (istiod and snapshot caches version everything at once)
    }
    try {
      ConfigStore.Outcome outcome = store.offer(name, () -> new LoadResult.Loaded(fragment)).get(60, TimeUnit.SECONDS);
      if (outcome instanceof ConfigStore.Outcome.Rejected rejected) {
        return "the gateway refused the translated config: " + rejected.errors().get(0)
            + (rejected.errors().size() > 1 ? " (and " + (rejected.errors().size() - 1) + " more)" : "");
      }
      offered = fragment;
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    } catch (Exception e) {
      LOG.log(Level.WARNING, "xDS source " + name + ": the store failed", e);
      return "the store failed: " + e;
    }
  }

  private void accept(TypeState s, DiscoveryResponse response, Map<String, List<String>> notes, XdsAssembly.Result result) {
    boolean first = !s.received;
    s.version = response.getVersionInfo();
    s.received = true;
    s.lastNackedVersion = "";
    s.repeatedNacks = 0;
    s.notes = notes;
    s.error = "";
    s.updates.incrementAndGet();
    typeNotes.put(s.type, notes.values().stream().flatMap(List::stream).toList());
    send(s, "", false);
    if (first && (s.type == XdsType.LDS || s.type == XdsType.CDS)) {
      // The first LDS (or CDS) answer may complete what the other one started: assemble again.
      String refused = offer(assemble());
      if (!refused.isEmpty()) {
        s.error = refused;
      }
    }
    subscribe(XdsType.RDS, result.rds());
    subscribe(XdsType.EDS, result.eds());
    subscribe(XdsType.SDS, result.sds());
  }

  /** Asks for {@code names} of {@code type} when they differ from what was asked for. */
  private void subscribe(XdsType type, Set<String> names) {
    TypeState s = types.get(type);
    if (s.names.equals(names)) {
      return;
    }
    s.names = new TreeSet<>(names);
    if (!names.isEmpty() || s.requested) {
      send(s, "", false);
    }
  }

  private void nack(TypeState s, DiscoveryResponse response, List<String> problems) {
    String detail = String.join("; ", problems);
    s.error = "NACK " + s.type.tag + " version " + response.getVersionInfo() + ": " + detail;
    s.nacks.incrementAndGet(); // after the error: whoever sees the count sees why
    LOG.warning(() -> "xDS source " + name + ": NACK " + s.type.kind + " version " + response.getVersionInfo()
        + " (version " + (s.version.isEmpty() ? "none" : s.version) + " keeps serving): " + detail);
    if (response.getVersionInfo().equals(s.lastNackedVersion)) {
      Duration delay = REPEATED_NACK.delay(++s.repeatedNacks, random);
      String nonce = s.nonce;
      thread.schedule(() -> {
        if (nonce.equals(s.nonce)) {
          send(s, detail, false);
        }
      }, delay.toMillis(), TimeUnit.MILLISECONDS);
      return;
    }
    s.lastNackedVersion = response.getVersionInfo();
    s.repeatedNacks = 0;
    send(s, detail, false);
  }

  private static String describe(Throwable t) {
    io.grpc.Status status = io.grpc.Status.fromThrowable(t);
    return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
  }

  @Override public SourceStatus status() {
    SourceStatus seen = store.tracked(name);
    List<String> warnings = new ArrayList<>(seen.warnings());
    StringBuilder versions = new StringBuilder();
    for (TypeState s : types.values()) {
      if (s.received) {
        versions.append(versions.length() == 0 ? "" : " ").append(s.type.tag).append('=').append(s.version);
      }
    }
    if (!connected) {
      warnings.add("not connected to " + settings.host() + ":" + settings.port()
          + nextRetry.map(at -> "; next try at " + at).orElse(""));
    }
    if (!waiting.isEmpty()) {
      warnings.add("waiting for " + String.join(", ", waiting) + " before the first complete config");
    }
    warnings.addAll(assemblyNotes);
    typeNotes.values().forEach(warnings::addAll);
    List<String> errors = new ArrayList<>();
    lastError.ifPresent(errors::add);
    types.values().forEach(s -> {
      if (!s.error.isEmpty()) {
        errors.add(s.error);
      }
    });
    Optional<String> error = errors.isEmpty() ? seen.lastError() : Optional.of(String.join("; ", errors));
    return new SourceStatus(name, "xds", versions.toString(), lastSuccess, error, warnings);
  }

  @Override public synchronized void close() {
    if (thread.isShutdown()) {
      return;
    }
    thread.execute(() -> {
      closed = true;
      if (requests != null) {
        try {
          requests.onCompleted();
        } catch (RuntimeException e) {
          // the stream is already gone
        }
      }
    });
    channel.shutdown();
    thread.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      channel.shutdownNow();
    }
  }
}
