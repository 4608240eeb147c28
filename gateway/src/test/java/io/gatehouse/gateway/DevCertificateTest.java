package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dev: true} serves a localhost certificate from a dev CA made on first run in the state
 * directory, outside the config (source) tree; curl trusts it with {@code --cacert}.
 */
class DevCertificateTest {
  @TempDir Path config;
  @TempDir Path state;

  @Test
  void aDevCertificateIsMadeOnFirstRunAndCurlTrustsItsCa() throws Exception {
    Files.writeString(config.resolve("gateway.yaml"), """
        admin: { port: 0 }
        listeners:
          - { name: https, port: 0, protocol: HTTPS, tls: { certificates: [{ dev: true }] } }
        routes: [{ name: hello, directResponse: { status: 200, body: "hello over tls" } }]
        """);
    Gatehouse gatehouse = Gatehouse.start(new Gatehouse.Options(Optional.of(config), OptionalInt.empty(), 1,
        Duration.ofSeconds(1), new ByteArrayOutputStream(), state, Optional.empty(), java.util.List.of()).withVertxOptions(TestGateway.strictVertx()));
    try {
      Path ca = state.resolve("dev-certs/dev-ca.crt");
      assertTrue(Files.isRegularFile(ca), "the dev CA is in the state directory");
      try (var files = Files.list(config)) {
        assertEquals(1, files.count(), "nothing is written next to the config");
      }
      Process curl = new ProcessBuilder("curl", "-sS", "--cacert", ca.toString(),
          "https://localhost:" + gatehouse.listenerPort("https") + "/").redirectErrorStream(true).start();
      assertTrue(curl.waitFor(20, TimeUnit.SECONDS));
      String out = new String(curl.getInputStream().readAllBytes());
      assertEquals(0, curl.exitValue(), out);
      assertEquals("hello over tls", out);
    } finally {
      gatehouse.close();
    }
  }
}
