package io.gatehouse.routes.load;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.Origin;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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

  /** Loads every top-level *.yaml / *.yml file of {@code dir}, in name order. */
  public static LoadResult loadDirectory(Path dir) {
    List<ConfigFile> files = new ArrayList<>();
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : entries.filter(ConfigLoader::isYaml).sorted().toList()) {
        files.add(new ConfigFile(p.toString(), Files.readString(p, StandardCharsets.UTF_8), dir));
      }
    } catch (IOException | UncheckedIOException e) {
      return new LoadResult.Rejected(List.of(new ConfigError(new Origin(dir.toString(), 0),
          "cannot read config directory: " + e)));
    }
    return load(files);
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
