package io.gatehouse.admin.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.admin.store.ConfigStore;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.GatewayConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A real local control plane: ETag round trips, an outage with backoff, and recovery. */
class HttpSourceTest {
  private final Vertx vertx = Vertx.vertx();
  private final ConfigStore store = new ConfigStore((config, version) -> {});
  /** What the control plane serves: status, ETag, document. Changed by the test. */
  private volatile int status = 200;
  private volatile String etag = "\"v1\"";
  private volatile String document = doc("one");
  private final List<String> ifNoneMatch = new CopyOnWriteArrayList<>();
  private HttpServer server;

  private static String doc(String body) {
    return "{\"routes\": [{\"name\": \"cp\", \"directResponse\": {\"status\": 200, \"body\": \"" + body + "\"}}]}";
  }

  @AfterEach
  void close() {
    store.close();
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }

  private HttpSource start() {
    server = vertx.createHttpServer().requestHandler(req -> {
      String seen = req.getHeader("if-none-match");
      ifNoneMatch.add(seen == null ? "" : seen);
      if (status != 200) {
        req.response().setStatusCode(status).end("down");
      } else if (etag.equals(seen)) {
        req.response().setStatusCode(304).putHeader("etag", etag).end();
      } else {
        req.response().putHeader("etag", etag).putHeader("content-type", "application/json").end(document);
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
    HttpSource source = new HttpSource(vertx, store, new HttpSource.Settings(
        URI.create("http://127.0.0.1:" + server.actualPort() + "/config"), Duration.ofMillis(50),
        Duration.ofMillis(40), Duration.ofMillis(200), Duration.ofSeconds(5)), Path.of("."), new Random(7));
    source.start();
    return source;
  }

  private String body() {
    GatewayConfig config = store.current();
    return config == null ? "" : ((Action.DirectResponse) config.routes().get(0).action()).body();
  }

  private static void until(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for: " + what);
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void unchangedDocumentsCostA304AndAChangedOneIsInstalled() {
    HttpSource source = start();
    until("first document installed", () -> body().equals("one"));
    until("a conditional poll", () -> ifNoneMatch.contains("\"v1\""));
    assertEquals("", ifNoneMatch.get(0));
    assertEquals(1, store.version());
    until("another 304", () -> ifNoneMatch.stream().filter("\"v1\""::equals).count() >= 2);
    assertEquals(1, store.version(), "a 304 installs nothing");
    assertEquals("\"v1\"", source.status().lastVersion());

    document = doc("two");
    etag = "\"v2\"";
    until("second document installed", () -> body().equals("two"));
    assertEquals(2, store.version());
    until("status shows v2", () -> source.status().lastVersion().equals("\"v2\""));
    assertEquals("http", source.status().kind());
    assertTrue(source.status().lastError().isEmpty());
  }

  @Test
  void anOutageKeepsTheLastGoodDocumentAndBacksOffUntilItRecovers() {
    HttpSource source = start();
    until("first document installed", () -> body().equals("one"));
    status = 503;
    until("the outage is seen", () -> source.status().lastError().isPresent());
    assertTrue(source.status().lastError().get().contains("answered 503"), source.status().toString());
    until("several failures", () -> source.status().warnings().stream().anyMatch(w -> w.startsWith("3 failure(s)")));
    assertEquals("one", body(), "the last good document keeps serving");

    document = doc("after");
    etag = "\"v3\"";
    status = 200;
    until("recovered", () -> body().equals("after"));
    until("error cleared", () -> source.status().lastError().isEmpty());
    assertTrue(source.status().lastSuccess().isPresent());
  }

  @Test
  void anInvalidDocumentIsRejectedLocatedAndRetried() {
    document = "{\"routes\": [{\"name\": \"cp\", \"timeout\": \"-1s\", \"directResponse\": {\"status\": 200}}]}";
    HttpSource source = start();
    until("rejection seen", () -> source.status().lastError().isPresent());
    assertTrue(source.status().lastError().get().contains("timeout: \"-1s\" is not a duration"), source.status().toString());
    until("fetched again in full", () -> ifNoneMatch.size() >= 3);
    assertTrue(ifNoneMatch.stream().allMatch(String::isEmpty), "a rejected document's ETag is not kept: " + ifNoneMatch);
    document = doc("fixed");
    etag = "\"v2\"";
    until("fixed document installed", () -> body().equals("fixed"));
  }

  @Test
  void backoffDoublesWithJitterUpToTheCap() {
    HttpSource source = new HttpSource(vertx, store, new HttpSource.Settings(URI.create("http://127.0.0.1:1/"),
        Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(1)), Path.of("."), new Random(1));
    for (int n = 1; n <= 40; n++) {
      long full = Math.min(60_000, 1000L << Math.min(n - 1, 30));
      long ms = source.backoff(n).toMillis();
      assertTrue(ms >= full / 2 && ms <= full, "failure " + n + ": " + ms + "ms not in [" + full / 2 + ", " + full + "]");
    }
    source.close();
  }

  @Test
  void credentialsInTheUrlNeverShow() {
    assertEquals("https://cp.example/config?x=1", HttpSource.withoutUserInfo(URI.create("https://user:pw@cp.example/config?x=1")));
  }
}
