package io.gatehouse.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gatehouse.admin.store.ConfigStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@code /openapi.json} lists exactly the routes the admin server serves, with their methods. */
class OpenApiTest {
  @Test
  void everyServedRouteIsDocumentedAndEveryDocumentedRouteIsServed() throws IOException {
    Vertx vertx = Vertx.vertx();
    try (ConfigStore store = new ConfigStore((c, v) -> {})) {
      AdminServer server = new AdminServer(vertx, new RuntimeView() {
        @Override public boolean ready() {
          return true;
        }

        @Override public String scrapeMetrics() {
          return "";
        }
      }, store, Path.of("state"), Path.of("."));
      Map<String, Set<String>> served = new TreeMap<>();
      server.served().forEach((path, methods) -> served.put(path, new TreeSet<>(methods.stream().map(HttpMethod::name).toList())));
      assertEquals(documented(), served);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  private static Map<String, Set<String>> documented() throws IOException {
    try (InputStream in = AdminServer.class.getResourceAsStream("openapi.json")) {
      JsonObject doc = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      Map<String, Set<String>> out = new TreeMap<>();
      JsonObject paths = doc.getJsonObject("paths");
      for (String path : paths.fieldNames()) {
        Set<String> methods = new TreeSet<>();
        paths.getJsonObject(path).fieldNames().forEach(m -> methods.add(m.toUpperCase(Locale.ROOT)));
        out.put(path, methods);
      }
      return out;
    }
  }
}
