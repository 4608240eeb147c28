package io.gatehouse.admin.store;

import io.gatehouse.admin.source.ConfigSource;
import io.gatehouse.admin.source.SourceStatus;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Origin;
import io.gatehouse.routes.load.LoadResult;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one writer of config. Every source hands its load to {@link #offer} under its own name; the
 * store keeps each source's last good fragment, merges them by {@link Precedence}, checks the
 * merge whole and installs it as a new version, or rejects it and keeps what serves (and that
 * source's previous fragment). Work runs one task at a time on the store's own thread, which may
 * block (files, YAML, compiling 10k routes), so event loops never do it. The last
 * {@value #HISTORY} versions are kept for {@link #rollback}.
 */
public final class ConfigStore implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ConfigStore.class.getName());
  /** Installed versions kept for {@code GET /config/history} and rollback. */
  public static final int HISTORY = 20;

  private final Installer installer;
  private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "gatehouse-config");
    t.setDaemon(true);
    return t;
  });
  private final AtomicLong failures = new AtomicLong();
  private final Map<String, SourceState> tracked = new ConcurrentHashMap<>();
  private final Map<String, ConfigSource> registered = new ConcurrentHashMap<>();
  /** Writer thread only. */
  private final Deque<ConfigVersion> history = new ArrayDeque<>();
  private volatile ConfigVersion current;
  private volatile List<ConfigVersion> historyView = List.of();
  private volatile Outcome lastOutcome;
  private final List<UnaryOperator<LoadResult>> overlays = new CopyOnWriteArrayList<>();

  public ConfigStore(Installer installer) {
    this.installer = Objects.requireNonNull(installer, "installer");
  }

  /** The outcome of one offer, edit, check or rollback. */
  public sealed interface Outcome {
    Instant at();

    /** The merged config was installed as {@code version}. */
    record Installed(long version, Instant at) implements Outcome {}

    /** The merged config equals the one serving; nothing changed. */
    record Unchanged(long version, Instant at) implements Outcome {}

    /** A dry run: the change would be accepted (nothing was installed). */
    record Valid(long version, Instant at) implements Outcome {}

    /** Rejected; {@code errors} say why, located. The serving config is untouched. */
    record Rejected(List<ConfigError> errors, Instant at) implements Outcome {
      public Rejected {
        errors = List.copyOf(errors);
      }
    }

    /** An {@code If-Match} version that is no longer current: nothing changed. */
    record Conflict(long expected, long current, Instant at) implements Outcome {}
  }

  /** Loads with {@code load} on the writer thread and installs the merge if it is valid. */
  public CompletableFuture<Outcome> offer(String source, Supplier<LoadResult> load) {
    Objects.requireNonNull(source, "source");
    return submit(() -> {
      LoadResult result = load.get();
      if (result instanceof LoadResult.Rejected rejected) {
        return reject(source, rejected.errors());
      }
      return apply(source, ((LoadResult.Loaded) result).config(), false);
    });
  }

  /**
   * Changes the admin fragment: {@code change} gets the current one and answers the next (or
   * errors). With {@code ifMatch}, nothing happens unless that is still the serving version.
   */
  public CompletableFuture<Outcome> edit(OptionalLong ifMatch, Function<GatewayConfig, LoadResult> change) {
    return submit(() -> {
      if (ifMatch.isPresent() && ifMatch.getAsLong() != version()) {
        return new Outcome.Conflict(ifMatch.getAsLong(), version(), Instant.now());
      }
      LoadResult result = change.apply(fragment(Precedence.ADMIN));
      if (result instanceof LoadResult.Rejected rejected) {
        return reject(Precedence.ADMIN, rejected.errors());
      }
      return apply(Precedence.ADMIN, ((LoadResult.Loaded) result).config(), false);
    });
  }

  /** A dry run of {@link #edit}: {@link Outcome.Valid} or {@link Outcome.Rejected}; nothing changes. */
  public CompletableFuture<Outcome> check(Function<GatewayConfig, LoadResult> change) {
    return submit(() -> {
      LoadResult result = change.apply(fragment(Precedence.ADMIN));
      if (result instanceof LoadResult.Rejected rejected) {
        return new Outcome.Rejected(rejected.errors(), Instant.now());
      }
      return apply(Precedence.ADMIN, ((LoadResult.Loaded) result).config(), true);
    });
  }

  /**
   * Installs version {@code version} again as a new version: every source's fragment goes back to
   * what it was then. Each source replaces its own fragment again at its next change (a file
   * edited, a new control-plane document), so a rollback holds until then.
   */
  public CompletableFuture<Outcome> rollback(long version, OptionalLong ifMatch) {
    return submit(() -> {
      if (ifMatch.isPresent() && ifMatch.getAsLong() != version()) {
        return new Outcome.Conflict(ifMatch.getAsLong(), version(), Instant.now());
      }
      ConfigVersion old = history.stream().filter(v -> v.version() == version).findFirst().orElse(null);
      if (old == null) {
        return reject(Precedence.ADMIN, List.of(new ConfigError(new Origin("admin:rollback/" + version, 0),
            "version " + version + " is not in the history (kept: the last " + HISTORY + ")")));
      }
      Merge.Merged merged = overlaid(Merge.of(old.fragments()));
      if (!merged.errors().isEmpty()) {
        return reject("admin:rollback/" + version, merged.errors());
      }
      return install("admin:rollback/" + version, old.fragments(), merged);
    });
  }

  /** Re-reads the files the serving config names (certificates, keys) without a new version. */
  public CompletableFuture<Outcome> refresh() {
    return submit(() -> {
      ConfigVersion now = current;
      if (now == null) {
        return new Outcome.Unchanged(0, Instant.now());
      }
      return refresh("refresh", now);
    });
  }

  /**
   * Adds a step that every merged config passes through before it is checked whole: how a source
   * that rewrites the config rather than adding objects of its own joins every change, whichever
   * source made it. Objects it adds show as from {@value Merge#OVERLAY}.
   */
  public void addOverlay(UnaryOperator<LoadResult> overlay) {
    overlays.add(Objects.requireNonNull(overlay, "overlay"));
  }

  public void removeOverlay(UnaryOperator<LoadResult> overlay) {
    overlays.remove(overlay);
  }

  /** Makes {@code source} listed by {@link #statuses()} with its own status. */
  public void register(ConfigSource source) {
    registered.put(source.name(), source);
  }

  /** The writer thread, for sources that poll: their scans then never race a load. */
  public ScheduledExecutorService writer() {
    return writer;
  }

  private CompletableFuture<Outcome> submit(Supplier<Outcome> task) {
    return CompletableFuture.supplyAsync(() -> {
      Outcome outcome = task.get();
      if (!(outcome instanceof Outcome.Valid)) {
        lastOutcome = outcome;
      }
      return outcome;
    }, writer);
  }

  private Outcome apply(String source, GatewayConfig fragment, boolean dryRun) {
    ConfigVersion serving = current;
    Map<String, GatewayConfig> next = new HashMap<>(serving == null ? Map.of() : serving.fragments());
    next.put(source, fragment);
    Merge.Merged merged = overlaid(Merge.of(next));
    if (!merged.errors().isEmpty()) {
      return dryRun ? new Outcome.Rejected(merged.errors(), Instant.now()) : reject(source, merged.errors());
    }
    if (dryRun) {
      return new Outcome.Valid(version(), Instant.now());
    }
    return install(source, next, merged);
  }

  /** The merge after every overlay, checked whole; or the merge's own errors. */
  private Merge.Merged overlaid(Merge.Merged merged) {
    if (!merged.errors().isEmpty()) {
      return merged;
    }
    LoadResult result = new LoadResult.Loaded(merged.config());
    for (UnaryOperator<LoadResult> overlay : overlays) {
      result = overlay.apply(result);
    }
    if (result instanceof LoadResult.Rejected rejected) {
      return new Merge.Merged(merged.config(), merged.provenance(), rejected.errors());
    }
    GatewayConfig config = ((LoadResult.Loaded) result).config();
    Map<String, String> provenance = new HashMap<>(merged.provenance());
    for (ObjectKind kind : ObjectKind.values()) {
      for (Object o : kind.list(config)) {
        provenance.putIfAbsent(kind.key(kind.name(o)), Merge.OVERLAY);
      }
    }
    provenance.keySet().removeIf(key -> !present(config, key));
    return new Merge.Merged(config, provenance, Merge.check(config, provenance));
  }

  private static boolean present(GatewayConfig config, String key) {
    for (ObjectKind kind : ObjectKind.values()) {
      if (key.startsWith(kind.path() + "/")) {
        return kind.find(config, key.substring(kind.path().length() + 1)) != null;
      }
    }
    return false;
  }

  private Outcome install(String source, Map<String, GatewayConfig> nextFragments, Merge.Merged merged) {
    ConfigVersion serving = current;
    if (serving != null && merged.config().equals(serving.config())) {
      ConfigVersion same = new ConfigVersion(serving.version(), serving.config(), serving.source(), serving.at(),
          merged.provenance(), nextFragments);
      Outcome refreshed = refresh(source, same);
      if (refreshed instanceof Outcome.Unchanged) {
        current = same;
        accepted(source);
      }
      return refreshed;
    }
    long nextVersion = version() + 1;
    try {
      installer.install(merged.config(), nextVersion);
    } catch (Exception e) {
      return reject(source, List.of(new ConfigError(new Origin(source, 0),
          "config from " + source + " could not be installed: " + e.getMessage())));
    }
    ConfigVersion installed = new ConfigVersion(nextVersion, merged.config(), source, Instant.now(),
        merged.provenance(), nextFragments);
    current = installed;
    history.addLast(installed);
    while (history.size() > HISTORY) {
      history.removeFirst();
    }
    historyView = List.copyOf(history);
    accepted(source);
    LOG.info(() -> "config version " + nextVersion + " installed from " + source);
    return new Outcome.Installed(nextVersion, installed.at());
  }

  private Outcome refresh(String source, ConfigVersion serving) {
    try {
      installer.refresh(serving.config());
    } catch (Exception e) {
      return reject(source, List.of(new ConfigError(new Origin(source, 0),
          "files named by the config could not be reloaded: " + e.getMessage())));
    }
    return new Outcome.Unchanged(serving.version(), Instant.now());
  }

  /** Rollbacks and refreshes are the admin's doing; files and control planes report under their own names. */
  private static String statusName(String source) {
    return source.startsWith(Precedence.ADMIN + ":") || source.equals("refresh") ? Precedence.ADMIN : source;
  }

  private void accepted(String source) {
    long v = version();
    tracked.compute(statusName(source), (name, old) -> new SourceState(String.valueOf(v), Optional.of(Instant.now()), Optional.empty()));
  }

  private Outcome reject(String source, List<ConfigError> errors) {
    failures.incrementAndGet();
    for (ConfigError error : errors) {
      LOG.warning(() -> "config from " + source + " rejected, version " + version() + " keeps serving: " + error);
    }
    String summary = errors.size() == 1 ? errors.get(0).toString()
        : errors.size() + " errors, first: " + errors.get(0);
    tracked.compute(statusName(source), (name, old) -> old == null
        ? new SourceState("", Optional.empty(), Optional.of(summary))
        : new SourceState(old.lastVersion(), old.lastSuccess(), Optional.of(summary)));
    return new Outcome.Rejected(errors, Instant.now());
  }

  /** What the store saw of a source's offers. */
  private record SourceState(String lastVersion, Optional<Instant> lastSuccess, Optional<String> lastError) {}

  /**
   * The store's view of {@code source}: the config version its fragment was last accepted in, when,
   * and the last rejection since. Sources that fetch (HTTP) add their own fetch state on top.
   */
  public SourceStatus tracked(String source) {
    SourceState s = tracked.get(source);
    List<String> warnings = shadowed(source);
    if (s == null) {
      return new SourceStatus(source, Precedence.kind(source), "", Optional.empty(), Optional.empty(), warnings);
    }
    return new SourceStatus(source, Precedence.kind(source), s.lastVersion(), s.lastSuccess(), s.lastError(), warnings);
  }

  /** Objects of {@code source} that a stronger source overrides. */
  private List<String> shadowed(String source) {
    ConfigVersion now = current;
    GatewayConfig fragment = now == null ? null : now.fragments().get(source);
    if (fragment == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (ObjectKind kind : ObjectKind.values()) {
      for (Object o : kind.list(fragment)) {
        String key = kind.key(kind.name(o));
        String owner = now.provenance().get(key);
        if (owner != null && !owner.equals(source)) {
          out.add(key + " is overridden by " + owner);
        }
      }
    }
    return out;
  }

  /** Every source: registered ones report themselves, others (admin, sources that only offer) as the store saw them. */
  public List<SourceStatus> statuses() {
    Map<String, SourceStatus> out = new TreeMap<>();
    tracked.keySet().forEach(name -> out.put(name, tracked(name)));
    registered.values().forEach(s -> out.put(s.name(), s.status()));
    return List.copyOf(out.values());
  }

  /** The serving config, or null before the first one is installed. */
  public GatewayConfig current() {
    ConfigVersion now = current;
    return now == null ? null : now.config();
  }

  /** The serving version with its provenance, or null before the first install. */
  public ConfigVersion serving() {
    return current;
  }

  /** The serving config's version; 0 before the first install. */
  public long version() {
    ConfigVersion now = current;
    return now == null ? 0 : now.version();
  }

  /** The last {@value #HISTORY} installed versions, oldest first. */
  public List<ConfigVersion> history() {
    return historyView;
  }

  /** The last accepted fragment of {@code source} (an empty config if none). */
  public GatewayConfig fragment(String source) {
    ConfigVersion now = current;
    GatewayConfig fragment = now == null ? null : now.fragments().get(source);
    return fragment == null ? GatewayConfig.EMPTY : fragment;
  }

  /** How many offered configs were rejected since start. */
  public long failures() {
    return failures.get();
  }

  /** The outcome of the latest offer, edit or rollback, or null if none finished yet. */
  public Outcome lastOutcome() {
    return lastOutcome;
  }

  @Override public void close() {
    registered.values().forEach(ConfigSource::close);
    writer.shutdownNow();
    try {
      if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warning("config writer did not stop within 5s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "config writer stop failed", e);
    }
  }
}
