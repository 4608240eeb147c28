package io.gatehouse.admin.store;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.load.LoadResult;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one writer of config. Every source hands its load to {@link #offer}; loads run one at a
 * time on the store's own thread (which may block: file reads, YAML, compiling 10k routes), so
 * the data plane's event loops never do that work. A rejected or uninstallable config is logged
 * with its located errors, counted, and dropped: the previous config keeps serving.
 */
public final class ConfigStore implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ConfigStore.class.getName());

  private final Installer installer;
  private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "gatehouse-config");
    t.setDaemon(true);
    return t;
  });
  private final AtomicLong failures = new AtomicLong();
  private volatile GatewayConfig current;
  private volatile long version;
  private volatile Outcome lastOutcome;
  private final List<UnaryOperator<LoadResult>> overlays = new CopyOnWriteArrayList<>();

  public ConfigStore(Installer installer) {
    this.installer = Objects.requireNonNull(installer, "installer");
  }

  /** The outcome of one offered load. */
  public sealed interface Outcome {
    Instant at();

    /** The config was installed as {@code version}. */
    record Installed(long version, Instant at) implements Outcome {}

    /** The config equals the one serving; nothing changed. */
    record Unchanged(long version, Instant at) implements Outcome {}

    /** The config was rejected; {@code errors} say why, located. */
    record Rejected(List<ConfigError> errors, Instant at) implements Outcome {
      public Rejected {
        errors = List.copyOf(errors);
      }
    }
  }

  /** Loads with {@code load} on the writer thread and installs the result if it is valid. */
  public CompletableFuture<Outcome> offer(String source, Supplier<LoadResult> load) {
    return CompletableFuture.supplyAsync(() -> apply(source, load.get()), writer);
  }

  /** The writer thread, for sources that poll: their scans then never race a load. */
  public ScheduledExecutorService writer() {
    return writer;
  }

  /**
   * Adds a step that every offered load passes through before it is validated: how a source that
   * adds to the native config (Kubernetes) joins every load, whichever source offered it.
   */
  public void addOverlay(UnaryOperator<LoadResult> overlay) {
    overlays.add(Objects.requireNonNull(overlay, "overlay"));
  }

  public void removeOverlay(UnaryOperator<LoadResult> overlay) {
    overlays.remove(overlay);
  }

  private Outcome apply(String source, LoadResult loaded) {
    LoadResult result = loaded;
    for (UnaryOperator<LoadResult> overlay : overlays) {
      result = overlay.apply(result);
    }
    Outcome outcome = decide(source, result);
    lastOutcome = outcome;
    return outcome;
  }

  private Outcome decide(String source, LoadResult result) {
    if (result instanceof LoadResult.Rejected rejected) {
      return reject(source, rejected.errors());
    }
    GatewayConfig next = ((LoadResult.Loaded) result).config();
    if (next.equals(current)) {
      try {
        installer.refresh(current);
      } catch (Exception e) {
        return reject(source, List.of(new ConfigError(new io.gatehouse.routes.Origin(source, 0),
            "files named by the config could not be reloaded: " + e.getMessage())));
      }
      return new Outcome.Unchanged(version, Instant.now());
    }
    long nextVersion = version + 1;
    try {
      installer.install(next, nextVersion);
    } catch (Exception e) {
      String message = "config from " + source + " could not be installed: " + e.getMessage();
      return reject(source, List.of(new ConfigError(new io.gatehouse.routes.Origin(source, 0), message)));
    }
    current = next;
    version = nextVersion;
    LOG.info(() -> "config version " + nextVersion + " installed from " + source);
    return new Outcome.Installed(nextVersion, Instant.now());
  }

  private Outcome reject(String source, List<ConfigError> errors) {
    failures.incrementAndGet();
    for (ConfigError error : errors) {
      LOG.warning(() -> "config from " + source + " rejected, previous version " + version
          + " keeps serving: " + error);
    }
    return new Outcome.Rejected(errors, Instant.now());
  }

  /** The serving config, or null before the first one is installed. */
  public GatewayConfig current() {
    return current;
  }

  /** The serving config's version; 0 before the first install. */
  public long version() {
    return version;
  }

  /** How many offered configs were rejected since start. */
  public long failures() {
    return failures.get();
  }

  /** The outcome of the latest offer, or null if none finished yet. */
  public Outcome lastOutcome() {
    return lastOutcome;
  }

  @Override public void close() {
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
