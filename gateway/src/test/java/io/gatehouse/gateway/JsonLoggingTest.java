package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.gateway.observe.JsonLogFormatter;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Every log line, ours and that of libraries on SLF4J (fabric8's client), is one JSON object. */
class JsonLoggingTest {
  @TempDir Path dir;

  @Test
  void anSlf4jLogLineArrivesAsOneJsonLine() {
    Logger jul = Logger.getLogger("io.fabric8.kubernetes.client.test");
    jul.setUseParentHandlers(false);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    StreamHandler handler = new StreamHandler(sink, new JsonLogFormatter());
    jul.addHandler(handler);
    try {
      LoggerFactory.getLogger("io.fabric8.kubernetes.client.test").warn("watch of {} closed", "httproutes");
      handler.flush();
    } finally {
      jul.removeHandler(handler);
    }
    List<String> lines = sink.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(1, lines.size(), lines.toString());
    JsonObject line = new JsonObject(lines.get(0));
    assertEquals("WARNING", line.getString("level"));
    assertEquals("io.fabric8.kubernetes.client.test", line.getString("logger"));
    assertEquals("watch of httproutes closed", line.getString("message"));
  }

  @Test
  void aStartPrintsOnlyJsonLinesAndNoSlf4jWarning() throws Exception {
    Path config = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(config.resolve("gw.yaml"), """
        admin: { port: 0 }
        listeners: [{ name: http, port: 0, protocol: HTTP }]
        routes: [{ name: ok, directResponse: { status: 200 } }]
        """);
    Path log = dir.resolve("out.log");
    Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.gatehouse.gateway.Main", "run", "--config", config.toString(),
        "--state-dir", dir.resolve("state").toString(), "--event-loops", "1", "--drain-timeout", "1s"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      Await.until("the gateway exits or becomes ready", 30, () -> !p.isAlive() || read(log).contains("gatehouse ready"));
      p.destroy(); // SIGTERM: drains and exits 0
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the gateway exits");
    } finally {
      p.destroyForcibly();
    }
    String output = read(log);
    assertTrue(output.contains("gatehouse ready"), output);
    assertFalse(output.contains("SLF4J"), output);
    for (String line : output.lines().filter(l -> !l.isBlank()).toList()) {
      assertTrue(line.startsWith("{") && line.endsWith("}"), "not a JSON line: " + line + "\n" + output);
      new JsonObject(line);
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
