package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.admin.source.HttpSource;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A gateway fed by the config directory and an HTTP control plane at once: the control plane's
 * routes serve next to the files', an outage keeps the last good document serving and shows in
 * {@code /sync}, and recovery installs the new document.
 */
class ControlPlaneTest {
  private volatile int status = 200;
  private volatile String etag = "\"1\"";
  private volatile String document = doc("cp one");
  private final AtomicInteger notModified = new AtomicInteger();

  private static String doc(String body) {
    return "routes: [{ name: cp, match: [{ path: { prefix: /cp } }], directResponse: { status: 200, body: \"" + body + "\" } }]\n";
  }

  @Test
  void aControlPlaneFeedsRoutesBesideTheFilesAndSurvivesAnOutage() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer plane = vertx.createHttpServer().requestHandler(req -> {
      if (status != 200) {
        req.response().setStatusCode(status).end();
      } else if (etag.equals(req.getHeader("if-none-match"))) {
        notModified.incrementAndGet();
        req.response().setStatusCode(304).end();
      } else {
        req.response().putHeader("etag", etag).putHeader("content-type", "application/yaml").end(document);
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
    Path dir = Files.createTempDirectory("cp-test");
    Files.writeString(dir.resolve("gw.yaml"), """
        admin: { port: 0 }
        listeners: [{ name: http, port: 0 }]
        routes: [{ name: files, match: [{ path: { prefix: /files } }], directResponse: { status: 200, body: "from files" } }]
        """);
    HttpSource.Settings settings = new HttpSource.Settings(URI.create("http://127.0.0.1:" + plane.actualPort() + "/gatehouse"),
        Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofSeconds(5));
    Gatehouse gatehouse = Gatehouse.start(new Gatehouse.Options(Optional.of(dir), OptionalInt.empty(), 1, Duration.ofSeconds(5),
        new ByteArrayOutputStream(), dir.resolve("state"), Optional.empty(), List.of(settings)).withVertxOptions(TestGateway.strictVertx()));
    HttpClient client = HttpClient.newHttpClient();
    try {
      String gw = "http://127.0.0.1:" + gatehouse.listenerPort("http");
      Await.until("control plane route served", 10, () -> body(client, gw + "/cp").equals("cp one"));
      assertEquals("from files", body(client, gw + "/files"));
      Await.until("conditional polls answered 304", 10, () -> notModified.get() >= 2);
      long version = gatehouse.store().version();

      status = 503;
      String sync = "http://127.0.0.1:" + gatehouse.adminPort() + "/sync";
      Await.until("/sync shows the outage", 10, () -> source(client, sync).getString("lastError") != null);
      assertTrue(source(client, sync).getString("lastError").contains("answered 503"), source(client, sync).encode());
      assertEquals("cp one", body(client, gw + "/cp"), "the last good document keeps serving");
      assertEquals(version, gatehouse.store().version());
      assertTrue(gatehouse.metrics().scrape().contains("gatehouse_config_source_healthy{source=\"http:" + settings.url() + "\"} 0.0"),
          gatehouse.metrics().scrape());

      document = doc("cp two");
      etag = "\"2\"";
      status = 200;
      Await.until("recovered with the new document", 10, () -> body(client, gw + "/cp").equals("cp two"));
      Await.until("/sync is clean again", 10, () -> source(client, sync).getString("lastError") == null);
      assertEquals("\"2\"", source(client, sync).getString("lastVersion"));
      assertEquals("http", source(client, sync).getString("kind"));
      assertTrue(gatehouse.metrics().scrape().contains("gatehouse_config_source_healthy{source=\"http:" + settings.url() + "\"} 1.0"));
    } finally {
      gatehouse.close();
      vertx.close();
    }
  }

  private static String body(HttpClient client, String url) {
    try {
      return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonObject source(HttpClient client, String syncUrl) {
    for (Object s : new JsonObject(body(client, syncUrl)).getJsonArray("sources")) {
      JsonObject source = (JsonObject) s;
      if (source.getString("name").startsWith("http:")) {
        return source;
      }
    }
    throw new AssertionError("no http source in /sync");
  }
}
