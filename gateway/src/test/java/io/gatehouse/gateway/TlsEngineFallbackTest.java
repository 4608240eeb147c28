package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When BoringSSL cannot load (here: Netty told so with {@code -Dio.netty.handler.ssl.noOpenSsl}),
 * an HTTPS listener does not start, saying why, unless its config allows the JDK engine; then it
 * serves, with a warning naming the fallback. Each case is a real gateway process.
 */
class TlsEngineFallbackTest {
  @TempDir Path dir;

  @Test
  void withoutBoringSslTheGatewayRefusesToStartAndSaysWhy() throws Exception {
    Result result = run(false);
    assertEquals(1, result.exit(), result.output());
    assertTrue(result.output().contains("BoringSSL (netty-tcnative) is not available"), result.output());
    assertTrue(result.output().contains("allowJdkFallback"), result.output());
  }

  @Test
  void aListenerThatAllowsItFallsBackToTheJdkEngineWithAWarning() throws Exception {
    Result result = run(true);
    assertTrue(result.output().contains("falling back to the JDK TLS engine"), result.output());
    assertTrue(result.output().contains("gatehouse ready"), result.output());
  }

  private record Result(int exit, String output) {}

  /** Starts the gateway without BoringSSL; a process that becomes ready is stopped with SIGTERM. */
  private Result run(boolean allowFallback) throws IOException, InterruptedException {
    Path config = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(config.resolve("gw.yaml"), """
        admin: { port: 0 }
        listeners:
          - { name: https, port: 0, protocol: HTTPS, tls: { certificates: [{ dev: true }], allowJdkFallback: %s } }
        routes: [{ name: ok, directResponse: { status: 200 } }]
        """.formatted(allowFallback));
    Path log = dir.resolve("out.log");
    Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dio.netty.handler.ssl.noOpenSsl=true", "-cp", System.getProperty("java.class.path"),
        "io.gatehouse.gateway.Main", "run", "--config", config.toString(), "--state-dir", dir.resolve("state").toString(),
        "--event-loops", "1", "--drain-timeout", "1s"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      Await.until("the gateway exits or becomes ready", 30, () -> !p.isAlive() || read(log).contains("gatehouse ready"));
      if (p.isAlive()) {
        p.destroy(); // SIGTERM: drains and exits 0
      }
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the gateway exits");
      return new Result(p.exitValue(), read(log));
    } finally {
      p.destroyForcibly();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
