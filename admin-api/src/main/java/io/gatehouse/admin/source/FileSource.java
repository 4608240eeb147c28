package io.gatehouse.admin.source;

import io.gatehouse.admin.store.ConfigStore;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The config directory as a source. It polls (default every second) rather than using inotify,
 * because Kubernetes ConfigMap volumes swap a symlink that inotify watchers routinely miss; a
 * scan reads a few small files. A change is a file added, removed or altered (name, time or
 * checksum); the directory is then offered to the store, which validates and installs it.
 *
 * <p>Writers that truncate a file and then write it (editors, {@code >}, many config agents) are
 * met three ways: a change is offered only once the directory looks the same for {@link #SETTLE}
 * (re-checked until it does, at most {@link #MAX_SETTLES} times); a load whose files changed
 * while they were read is read again; and, unless {@code allowEmpty}, a config with no listeners is
 * refused ({@code ConfigLoader.loadDirectory(dir, false)}), so a truncated file marks this source
 * unhealthy while the previous config keeps serving.
 */
public final class FileSource implements ConfigSource {
  private static final Logger LOG = Logger.getLogger(FileSource.class.getName());

  private final Path dir;
  private final ConfigStore store;
  /** How long a changed directory must stay the same before it is read. */
  static final Duration SETTLE = Duration.ofMillis(150);
  /** Re-checks before a directory that keeps changing is read anyway (~1.5 s). */
  static final int MAX_SETTLES = 10;
  /** Reads of a directory that changes while it is read, before the last one is offered. */
  private static final int MAX_READS = 5;

  private final Duration interval;
  private final boolean allowEmpty;
  private Map<String, String> lastSeen = Map.of();
  private boolean settling; // writer thread only
  private Set<String> watched = Set.of(); // files the directory's config names; writer thread only
  private ScheduledFuture<?> task;

  public FileSource(Path dir, ConfigStore store, Duration interval) {
    this(dir, store, interval, false);
  }

  /** {@code allowEmpty}: accept a config with no listeners ({@code run --allow-empty}). */
  public FileSource(Path dir, ConfigStore store, Duration interval, boolean allowEmpty) {
    this.dir = Objects.requireNonNull(dir, "dir");
    this.store = Objects.requireNonNull(store, "store");
    this.interval = Objects.requireNonNull(interval, "interval");
    this.allowEmpty = allowEmpty;
  }

  /** Loads the directory once (the returned future completes with that outcome), then watches it. */
  public CompletableFuture<ConfigStore.Outcome> start() {
    store.register(this);
    CompletableFuture<ConfigStore.Outcome> first = store.offer(name(), this::load);
    long millis = interval.toMillis();
    task = store.writer().scheduleWithFixedDelay(this::scan, millis, millis, TimeUnit.MILLISECONDS);
    return first;
  }

  @Override public String name() {
    return "file:" + dir;
  }

  /** The store's view: the config version these files were last accepted in, and the last rejection. */
  @Override public SourceStatus status() {
    return store.tracked(name());
  }

  /** Runs on the store's writer thread, so it never races a load. */
  private void scan() {
    try {
      if (settling) {
        return;
      }
      Map<String, String> now = fingerprint();
      if (now.equals(lastSeen)) {
        return;
      }
      settling = true;
      store.writer().schedule(() -> settle(now, 1), SETTLE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "config directory " + dir + " could not be scanned", e);
    }
  }

  /** Offers the directory once it looks as it did {@link #SETTLE} ago (a writer has finished). */
  private void settle(Map<String, String> before, int round) {
    try {
      Map<String, String> now = fingerprint();
      if (!now.equals(before) && round < MAX_SETTLES) {
        store.writer().schedule(() -> settle(now, round + 1), SETTLE.toMillis(), TimeUnit.MILLISECONDS);
        return;
      }
      settling = false;
      if (!now.equals(lastSeen)) {
        LOG.info(() -> "config directory " + dir + " changed; reloading");
        store.offer(name(), this::load);
      }
    } catch (RuntimeException e) {
      settling = false;
      LOG.log(Level.WARNING, "config directory " + dir + " could not be scanned", e);
    }
  }

  /**
   * Loads the directory and notes what it looked like, files its config names included, before
   * anything reads them: a change after this point is seen by the next scan, and a load is never
   * followed by a second one for files that were merely newly named.
   */
  private LoadResult load() {
    LoadResult result = null;
    for (int read = 1; read <= MAX_READS; read++) {
      Map<String, String> before = fingerprint();
      result = ConfigLoader.loadDirectory(dir, allowEmpty);
      if (result instanceof LoadResult.Loaded loaded) {
        watched = loaded.config().files();
      }
      lastSeen = fingerprint();
      if (configFiles(before).equals(configFiles(lastSeen))) {
        break; // nothing changed while the files were read
      }
    }
    if (result instanceof LoadResult.Loaded loaded) {
      // Served, but worth a look: a shadowed route, an Istio field this build ignores (FILE:LINE each).
      loaded.warnings().forEach(w -> LOG.warning(w::toString));
    }
    return result;
  }

  /** The fingerprint's YAML files of the directory (keyed by bare name), without the files they name. */
  private static Map<String, String> configFiles(Map<String, String> fingerprint) {
    Map<String, String> out = new TreeMap<>(fingerprint);
    out.keySet().removeIf(name -> name.indexOf('/') >= 0 || name.indexOf('\\') >= 0);
    return out;
  }

  private Map<String, String> fingerprint() {
    Map<String, String> files = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
    try (Stream<Path> list = Files.list(dir)) {
      list.filter(ConfigLoader::isYaml).forEach(p -> files.put(p.getFileName().toString(), stamp(p)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Certificates and keys rotate in place (cert-manager, ConfigMap swaps): watch them too. Files
    // other sources name are theirs to watch (a rotated Kubernetes Secret gets a new path).
    for (String file : watched) {
      Path p = Path.of(file);
      files.put(file, Files.isRegularFile(p) ? stamp(p) : "missing");
    }
    return files;
  }

  /** Size, time and a checksum: a same-size rewrite within one mtime tick is still seen. */
  private static String stamp(Path p) {
    try {
      CRC32 crc = new CRC32();
      crc.update(Files.readAllBytes(p));
      return Files.getLastModifiedTime(p).toMillis() + "/" + Long.toHexString(crc.getValue());
    } catch (IOException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  @Override public void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}
