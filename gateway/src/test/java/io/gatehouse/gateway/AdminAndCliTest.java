package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin port's probes and metrics, and the validate command's exit codes and output. */
class AdminAndCliTest {

  @Test
  void readyHealthAndPrometheusMetrics() {
    try (TestGateway gateway = TestGateway.start("""
        routes: [{ name: hello, directResponse: { status: 200, body: hi } }]
        """)) {
      assertEquals(200, gateway.get("/").status());
      assertEquals(200, gateway.admin("/ready").status());
      assertEquals(200, gateway.admin("/healthz").status());
      TestGateway.TestResponse metrics = gateway.admin("/metrics");
      assertEquals(200, metrics.status());
      String text = metrics.body();
      assertTrue(text.contains("gatehouse_requests_total{route=\"hello\",status_class=\"2xx\",upstream=\"\"} 1.0"), text);
      assertTrue(text.contains("gatehouse_request_duration_seconds_bucket{route=\"hello\""), text);
      assertTrue(text.contains("gatehouse_connections_active{listener=\"http\"}"), text);
      assertTrue(text.contains("gatehouse_config_version 1.0"), text);
    }
  }

  @Test
  void drainTurnsReadinessOff() {
    try (TestGateway gateway = TestGateway.start("routes: []\n")) {
      assertEquals(200, gateway.admin("/ready").status());
      gateway.gatehouse.drain();
      assertEquals(503, gateway.admin("/ready").status());
    }
  }

  @Test
  void validateAcceptsTheEmbeddedDefault() {
    Result r = cli("validate", "--config", Path.of("..", "routes").toString());
    assertEquals(0, r.code, r.err);
    assertTrue(r.out.contains("valid"), r.out);
  }

  @Test
  void validatePrintsFileAndLineForEachError(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("bad.yaml"), """
        upstreams:
          - { name: a, endpoints: ["127.0.0.1:9001"] }
        routes:
          - name: r
            backends: [{ upstream: missing }]
        """);
    Result r = cli("validate", "--config", dir.toString());
    assertEquals(1, r.code);
    assertTrue(r.err.contains(dir.resolve("bad.yaml") + ":5: "), r.err);
    assertTrue(r.err.contains("missing"), r.err);
  }

  @Test
  void usageErrorsExitTwo() {
    assertEquals(2, cli("validate").code);
    assertEquals(2, cli("run", "--event-loops", "zero").code);
    assertEquals(2, cli("bogus").code);
  }

  @Test
  void anUnknownOptionIsNamedWithTheOptions() {
    Result r = cli("run", "--bogus");
    assertEquals(2, r.code);
    assertTrue(r.err.startsWith("gatehouse: unknown option --bogus (options: --config, --admin-port, --event-loops,"), r.err);
  }

  @Test
  void versionIsTheProjectVersion() {
    Result r = cli("--version");
    assertEquals(0, r.code, r.err);
    assertEquals("gatehouse " + System.getProperty("gatehouse.version") + "\n", r.out);
  }

  @Test
  void helpExplainsBothCommands() {
    Result r = cli("--help");
    assertEquals(0, r.code);
    assertTrue(r.out.contains("run        start the gateway"), r.out);
    assertTrue(r.out.contains("validate   check the config in DIR without starting anything"), r.out);
  }

  @Test
  void aConfigDirectoryWithoutYamlIsAnError(@TempDir Path dir) {
    Result r = cli("validate", "--config", dir.toString());
    assertEquals(1, r.code);
    assertTrue(r.err.contains("config directory " + dir + " has no *.yaml or *.yml files"), r.err);
  }

  @Test
  void validateWarnsOfAShadowedRoute(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("gw.yaml"), """
        routes:
          - { name: demo, directResponse: { status: 200 } }
          - { name: greet, match: [{ path: { exact: /greet } }], directResponse: { status: 200 } }
        """);
    // No listeners: run would refuse this file as truncated, so validate needs --allow-empty too.
    assertEquals(1, cli("validate", "--config", dir.toString()).code);
    Result r = cli("validate", "--config", dir.toString(), "--allow-empty");
    assertEquals(0, r.code, r.err);
    assertTrue(r.err.contains(dir.resolve("gw.yaml") + ":3: warning: route \"greet\" would never be used"), r.err);
  }

  @Test
  void aBusyDemoEchoPortIsNamed() throws Exception {
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> TestGateway.start(
          "demo: { echoPort: " + busy.getLocalPort() + " }\n"));
      assertTrue(e.getMessage().contains("demo.echoPort: cannot listen on 127.0.0.1:" + busy.getLocalPort()), e.getMessage());
    }
  }

  private record Result(int code, String out, String err) {}

  private static Result cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
