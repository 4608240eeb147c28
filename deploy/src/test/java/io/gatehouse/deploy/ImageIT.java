package io.gatehouse.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.certs.DevCertificates;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image that {@code jib:buildTar} wrote (target/gatehouse-image.tar) is what a pod would run:
 * its config says non-root and container JVM flags, and its filesystem, unpacked and entered with
 * chroot (in a private mount and PID namespace, with /proc and /dev as a container runtime gives
 * them), starts the gateway as user 65532 with its entrypoint, serves HTTPS through BoringSSL,
 * answers the probes, and drains on SIGTERM with exit 0. Needs root (unshare, chroot), as CI has.
 */
class ImageIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern READY = Pattern.compile(
      "gatehouse ready: .*listeners \\[https HTTPS [0-9.]+:(\\d+)\\], admin [0-9.]+:(\\d+),");

  @Test
  void imageRunsTheGatewayAsNonRootWithBoringSsl(@TempDir Path work) throws Exception {
    Path tar = Path.of(System.getProperty("gatehouse.image", "target/gatehouse-image.tar"));
    assertTrue(Files.isRegularFile(tar), tar + " not built (mvn package builds it)");
    Path unpacked = Files.createDirectories(work.resolve("image"));
    run(List.of("tar", "-xf", tar.toString(), "-C", unpacked.toString()));
    JsonNode manifest = JSON.readTree(unpacked.resolve("manifest.json").toFile()).get(0);
    JsonNode config = JSON.readTree(unpacked.resolve(manifest.get("Config").asText()).toFile()).get("config");

    assertEquals("65532:65532", config.path("User").asText(), "runs as distroless's nonroot user");
    List<String> entrypoint = strings(config.path("Entrypoint"));
    assertTrue(entrypoint.contains("-XX:MaxRAMPercentage=40"), "heap from the container's memory limit: " + entrypoint);
    assertTrue(entrypoint.contains("-XX:-UsePerfData"), "writes nothing outside /tmp: " + entrypoint);
    assertEquals("io.gatehouse.gateway.Main", entrypoint.get(entrypoint.size() - 1), "main class");
    assertEquals(List.of("run"), strings(config.path("Cmd")));
    for (String port : List.of("8080/tcp", "8443/tcp", "9901/tcp")) {
      assertTrue(config.path("ExposedPorts").has(port), "exposes " + port);
    }

    Path root = Files.createDirectories(work.resolve("rootfs"));
    for (JsonNode layer : manifest.get("Layers")) {
      run(List.of("tar", "-xzf", unpacked.resolve(layer.asText()).toString(), "-C", root.toString()));
    }
    try (Stream<Path> libs = Files.list(root.resolve("app/libs"))) {
      assertTrue(libs.anyMatch(p -> p.getFileName().toString().matches("netty-tcnative-boringssl-static-.*-linux-x86_64\\.jar")),
          "BoringSSL for linux-x86_64 is in the image");
    }
    assertTrue(Files.exists(root.resolve("lib/x86_64-linux-gnu/libc.so.6")) || Files.exists(root.resolve("usr/lib/x86_64-linux-gnu/libc.so.6")),
        "glibc (BoringSSL's native library needs it)");

    // A config with an HTTPS listener (BoringSSL is only loaded for TLS), ports chosen by the kernel.
    Path cfg = Files.createDirectories(root.resolve("cfg"));
    DevCertificates certs = DevCertificates.ensure(cfg);
    for (Path file : List.of(certs.cert(), certs.key(), certs.caCert())) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--")); // for user 65532
    }
    Files.writeString(cfg.resolve("gatehouse.yaml"), """
        admin: { port: 0, address: 127.0.0.1 }
        listeners:
          - name: https
            port: 0
            protocol: HTTPS
            tls:
              certificates:
                - { hosts: [localhost], cert: %s, key: %s }
        routes:
          - name: ok
            directResponse: { status: 200, body: "served from the image" }
        """.formatted(certs.cert().getFileName(), certs.key().getFileName()));
    Files.createDirectories(root.resolve("proc"));
    Files.createDirectories(root.resolve("dev"));

    List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "sh", "-c",
        "mount -t proc proc \"$0/proc\" && mount --rbind /dev \"$0/dev\" && chroot=$(command -v chroot)"
            + " && PATH=$IMAGE_PATH exec \"$chroot\" --userspec=65532:65532 \"$0\" \"$@\"",
        root.toString()));
    command.addAll(entrypoint);
    command.addAll(List.of("run", "--config", "/cfg"));
    ProcessBuilder builder = new ProcessBuilder(command);
    // The image's environment; PATH as the image has it only for the command chroot starts.
    String hostPath = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    builder.environment().clear();
    for (String env : strings(config.path("Env"))) {
      String name = env.substring(0, env.indexOf('='));
      builder.environment().put(name.equals("PATH") ? "IMAGE_PATH" : name, env.substring(env.indexOf('=') + 1));
    }
    builder.environment().put("PATH", hostPath + ":/usr/sbin:/sbin");
    Process process = builder.start();
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Matcher> ready = new CompletableFuture<>();
    daemon(() -> readLines(process.getErrorStream(), log, ready));
    daemon(() -> readLines(process.getInputStream(), log, new CompletableFuture<>()));
    try {
      Matcher ports = ready.get(120, TimeUnit.SECONDS);
      assertTrue(log.stream().anyMatch(l -> l.contains("TLS provider: BoringSSL")), "BoringSSL loaded in the image: " + log);

      HttpClient client = HttpClient.newBuilder().sslContext(trusting(certs.caCert())).connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> https = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + ports.group(1) + "/"))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, https.statusCode());
      assertEquals("served from the image", https.body());
      for (String probe : List.of(GatewayChecks.HEALTH_PATH, GatewayChecks.READY_PATH)) {
        HttpResponse<String> admin = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.group(2) + probe))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, admin.statusCode(), probe);
      }

      // SIGTERM to the JVM (PID 1 of its namespace, as in a pod): drain, exit 0.
      ProcessHandle jvm = process.descendants().filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
          .findFirst().orElseGet(() -> fail("no java process under " + process.pid()));
      jvm.destroy();
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), () -> "exits after draining: " + log);
      assertEquals(0, process.exitValue(), "exit status after SIGTERM: " + log);
      assertTrue(log.stream().anyMatch(l -> l.contains("draining")), "drained: " + log);
    } catch (java.util.concurrent.TimeoutException e) {
      fail("not ready within 120 s: " + log);
    } finally {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static void daemon(Runnable task) {
    Thread thread = new Thread(task, "image-log");
    thread.setDaemon(true);
    thread.start();
  }

  private static void readLines(InputStream in, List<String> log, CompletableFuture<Matcher> ready) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        log.add(line);
        Matcher m = READY.matcher(line);
        if (m.find()) {
          ready.complete(m);
        }
      }
    } catch (java.io.IOException e) {
      log.add("(log unreadable: " + e + ")");
    }
    ready.completeExceptionally(new IllegalStateException("the process ended before it was ready: " + log));
  }

  private static SSLContext trusting(Path caCert) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(caCert)) {
      store.setCertificateEntry("dev-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static void run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), command + " still running");
    assertEquals(0, p.exitValue(), command + ": " + out);
  }
}
