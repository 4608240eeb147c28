package io.gatehouse.routes.load;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.Origin;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads native YAML config into a validated {@code GatewayConfig}, or every located error. Blocking
 * (it reads files): call it from the config writer thread, never from an event loop.
 */
public final class ConfigLoader {
  /** Where the build puts {@code routes/*.yaml}: the embedded default config. */
  public static final String EMBEDDED = "io/gatehouse/routes/default/gatehouse.yaml";

  private ConfigLoader() {}

  /** Loads and validates the given documents as one config. */
  public static LoadResult load(List<ConfigFile> files) {
    return ConfigReader.read(files);
  }

  /**
   * Loads one source's share of a merged config (an admin push, a control-plane document): the same
   * checks as {@link #load} except those that need the whole config, which {@link CrossCheck} does
   * on the merge. {@code admin}, {@code demo} and {@code egress.mode} are errors in a fragment.
   */
  public static LoadResult loadFragment(List<ConfigFile> files) {
    return ConfigReader.read(files, true);
  }

  /**
   * Loads every top-level *.yaml / *.yml file of {@code dir}, in name order. A directory that
   * cannot be listed, or has no such file, is one error; a file that cannot be read is an error for that file, and the
   * other files are still checked.
   */
  public static LoadResult loadDirectory(Path dir) {
    return loadDirectory(dir, true);
  }

  /**
   * As {@link #loadDirectory(Path)}; unless {@code allowEmpty}, a config that serves nothing (no
   * listeners, and no Kubernetes source that could bring some) is refused unless a file says so
   * with a top-level {@code listeners:} key. An empty or truncated file is the usual cause: a
   * writer that truncates before it writes must never take every listener down.
   */
  public static LoadResult loadDirectory(Path dir, boolean allowEmpty) {
    if (!Files.isDirectory(dir)) {
      return rejected(dir, Files.exists(dir) ? "config directory " + dir + " is not a directory"
          : "config directory " + dir + " does not exist");
    }
    List<Path> paths;
    try (Stream<Path> entries = Files.list(dir)) {
      paths = entries.filter(ConfigLoader::isYaml).sorted().toList();
    } catch (IOException | UncheckedIOException e) {
      return rejected(dir, "cannot read config directory " + dir + ": " + reason(e));
    }
    if (paths.isEmpty()) {
      // Most likely a wrong path; an empty config would serve nothing, silently.
      return rejected(dir, "config directory " + dir + " has no *.yaml or *.yml files");
    }
    List<ConfigFile> files = new ArrayList<>();
    List<ConfigError> unreadable = new ArrayList<>();
    for (Path p : paths) {
      try {
        files.add(new ConfigFile(p.toString(), Files.readString(p, StandardCharsets.UTF_8), dir));
      } catch (CharacterCodingException e) {
        unreadable.add(new ConfigError(new Origin(p.toString(), 0), "cannot read config file: it is not UTF-8 text"));
      } catch (IOException e) {
        unreadable.add(new ConfigError(new Origin(p.toString(), 0), "cannot read config file: " + reason(e)));
      }
    }
    LoadResult result = load(files);
    if (unreadable.isEmpty()) {
      return allowEmpty ? result : EmptyConfig.refuse(dir, files, result);
    }
    List<ConfigError> all = new ArrayList<>(unreadable);
    if (result instanceof LoadResult.Rejected rejected) {
      all.addAll(rejected.errors());
    }
    all.sort(Problems.ORDER);
    return new LoadResult.Rejected(all);
  }

  private static LoadResult rejected(Path dir, String message) {
    return new LoadResult.Rejected(List.of(new ConfigError(new Origin(dir.toString(), 0), message)));
  }

  private static String reason(Exception e) {
    Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
    String simple = cause.getClass().getSimpleName();
    return cause.getMessage() == null ? simple : simple + " (" + cause.getMessage() + ")";
  }

  /** The embedded default ({@code routes/gatehouse.yaml} in the source tree); relative paths resolve against the working directory. */
  public static List<ConfigFile> embeddedDefault() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(EMBEDDED)) {
      if (in == null) {
        throw new IllegalStateException("the embedded default config " + EMBEDDED + " is missing from the build");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return List.of(new ConfigFile("embedded:gatehouse.yaml", text, Path.of("").toAbsolutePath()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether {@code p} is a config file: {@code *.yaml} or {@code *.yml}, not hidden (editor swap files). */
  public static boolean isYaml(Path p) {
    String name = p.getFileName().toString();
    return !name.startsWith(".") && (name.endsWith(".yaml") || name.endsWith(".yml")) && Files.isRegularFile(p);
  }
}
