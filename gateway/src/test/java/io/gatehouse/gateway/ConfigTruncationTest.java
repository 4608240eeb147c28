package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A writer that truncates the config file and then writes it (an editor, {@code >}, a config
 * agent) while clients loop requests: the empty file in between is refused (the file source turns
 * unhealthy in {@code /sync} and in metrics), the listener never goes away, and no request fails.
 */
@Tag("reliability")
class ConfigTruncationTest {
  private static final String PREAMBLE = "admin: { port: 0 }\nlisteners: [{ name: http, port: 0, protocol: HTTP }]\n";

  @Test
  void truncateThenWriteUnderLoadLosesNoRequestAndNoListener() throws Exception {
    Vertx vertx = Vertx.vertx();
    EchoUpstream upstream = EchoUpstream.start(vertx);
    ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
    String config = """
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes: [{ name: r%%d, backends: [{ upstream: up }] }]
        """.formatted(upstream.address());
    try (TestGateway gateway = TestGateway.start(config.formatted(0))) {
      int port = gateway.port();
      Path file = gateway.dir.resolve("gateway.yaml");
      String source = "file:" + gateway.dir;
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger ok = new AtomicInteger();
      List<String> failures = new CopyOnWriteArrayList<>();
      List<CompletableFuture<Void>> clients = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        clients.add(CompletableFuture.runAsync(() -> {
          while (running.get()) {
            try {
              HttpResponse<String> r = gateway.client().send(gateway.request("/load", Map.of()).build(),
                  HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() == 200) {
                ok.incrementAndGet();
              } else {
                failures.add(r.statusCode() + " " + r.body());
              }
            } catch (IOException e) {
              failures.add(e.toString());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        }));
      }
      Await.until("load is flowing", 10, () -> ok.get() > 50);
      int refusedSeen = 0;
      for (int round = 1; round <= 4; round++) {
        String next = PREAMBLE + config.formatted(round);
        long failuresBefore = gateway.gatehouse.store().failures();
        // Truncate, and leave the file empty long enough that the scan sees it settled.
        truncate(file);
        Await.until("the empty file is refused", 10, () -> gateway.gatehouse.store().failures() > failuresBefore);
        // The store counts the refusal just before it records it as the source's last error.
        Await.until("the file source is unhealthy in /metrics and /sync", 5, () -> gateway.admin("/metrics").body()
            .contains("gatehouse_config_source_healthy{source=\"" + source + "\"} 0.0")
            && gateway.admin("/sync").body().contains("has no listeners"));
        refusedSeen++;
        assertEquals(port, gateway.port(), "the listener is still there while the file is empty");
        // Then write it: in two parts, as a slow writer would, 50 ms apart.
        int half = next.length() / 2;
        append(file, next.substring(0, half));
        writer.schedule(() -> append(file, next.substring(half)), 50, TimeUnit.MILLISECONDS).get(5, TimeUnit.SECONDS);
        int r = round;
        Await.until("round " + round + " installed", 10,
            () -> gateway.gatehouse.store().current().routes().get(0).name().equals("r" + r));
      }
      // A writer that truncates and writes at once, many times in a row: only whole files install.
      for (int i = 0; i < 20; i++) {
        truncate(file);
        append(file, PREAMBLE + config.formatted(100 + i));
      }
      Await.until("the last fast write is installed", 10,
          () -> gateway.gatehouse.store().current().routes().get(0).name().equals("r119"));
      running.set(false);
      CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

      assertTrue(failures.isEmpty(), failures.size() + " requests failed, first: " + failures.stream().limit(5).toList());
      assertTrue(ok.get() > 100, "the load ran: " + ok.get());
      assertEquals(4, refusedSeen, "each empty file turned the source unhealthy in /metrics and /sync");
      assertEquals(port, gateway.port());
      Await.until("the source is healthy again", 5, () -> gateway.admin("/metrics").body()
          .contains("gatehouse_config_source_healthy{source=\"" + source + "\"} 1.0"));
      String metrics = gateway.admin("/metrics").body();
      assertTrue(metrics.contains("gatehouse_config_reload_failures_total "
          + (double) gateway.gatehouse.store().failures()), metrics);
      assertTrue(!gateway.accessLog().contains("\"status\":404"), "no request found the routes gone");
    } finally {
      writer.shutdownNow();
      upstream.close();
      vertx.close();
    }
  }

  private static void truncate(Path file) {
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING)) {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void append(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
