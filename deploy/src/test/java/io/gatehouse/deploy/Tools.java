package io.gatehouse.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The repository, and the kubectl (kustomize) and helm binaries the tests render with: those that
 * {@code deploy/tools/install.sh} puts in {@code .tools/} (CI's {@code .ci/run} calls it). A missing
 * tool fails the test, with the command that installs it.
 */
final class Tools {
  private Tools() {}

  /** The repository root. */
  static Path root() {
    return Path.of(System.getProperty("gatehouse.root", "..")).toAbsolutePath().normalize();
  }

  static Path deploy() {
    return root().resolve("deploy");
  }

  static Path kubectl() {
    return tool("kubectl");
  }

  static Path helm() {
    return tool("helm");
  }

  private static Path tool(String name) {
    Path path = root().resolve(".tools").resolve(name);
    if (!Files.isExecutable(path)) {
      fail(name + " not found at " + path + ": run deploy/tools/install.sh (CI's .ci/run does)");
    }
    return path;
  }

  /** Runs {@code command} in the repository root; its stdout, or a failure with its stderr. */
  static String run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).directory(root().toFile()).start();
      CompletableFuture<String> out = read(process.getInputStream());
      CompletableFuture<String> err = read(process.getErrorStream());
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail(String.join(" ", command) + ": still running after 120 s");
      }
      if (process.exitValue() != 0) {
        fail(String.join(" ", command) + ": exit " + process.exitValue() + "\n" + err.join());
      }
      return out.join();
    } catch (IOException e) {
      throw new AssertionError(String.join(" ", command) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  static List<String> command(Object... parts) {
    List<String> out = new ArrayList<>();
    for (Object part : parts) {
      out.add(part.toString());
    }
    return out;
  }

  private static CompletableFuture<String> read(java.io.InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try (in) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(unreadable: " + e + ")";
      }
    });
  }
}
