package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The access log's format from {@code telemetry.accessLog}: chosen JSON fields, or a text line (Envoy's operators too), live on reload. */
class AccessLogFormatTest {
  Vertx vertx;
  EchoUpstream upstream;
  TestGateway gateway;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    upstream.close();
    vertx.close();
  }

  String routes() {
    return """
        upstreams: [{ name: echo, endpoints: ["%s"] }]
        routes: [{ name: r, hosts: [app.test], backends: [{ upstream: echo }] }]
        """.formatted(upstream.address());
  }

  List<String> linesWith(String text, int count) {
    Await.until(count + " access log lines with " + text, 5, () -> gateway.accessLog().lines().filter(l -> l.contains(text)).count() >= count);
    return gateway.accessLog().lines().filter(l -> l.contains(text)).toList();
  }

  @Test
  void jsonLinesCarryTheChosenFieldsInOrder() {
    gateway = TestGateway.start("""
        telemetry:
          accessLog: { format: JSON, fields: [status, method, path, responseFlags, durationMillis] }
        """ + routes());
    gateway.get("/json-a", Map.of("host", "app.test"));
    gateway.get("/json-b", Map.of("host", "nowhere.test"));
    String ok = linesWith("/json-a", 1).get(0);
    JsonObject line = new JsonObject(ok);
    assertEquals(List.of("status", "method", "path", "responseFlags", "durationMillis"), List.copyOf(line.fieldNames()), ok);
    assertEquals(200, line.getInteger("status"));
    assertEquals("-", line.getString("responseFlags"));
    JsonObject notFound = new JsonObject(linesWith("/json-b", 1).get(0));
    assertEquals("NR", notFound.getString("responseFlags"));
  }

  @Test
  void textLinesFollowTheTemplateAndEnvoyOperators() {
    gateway = TestGateway.start("""
        telemetry:
          accessLog:
            format: TEXT
            text: '%REQ(:METHOD)% %path% %RESPONSE_CODE% %RESPONSE_FLAGS% route=%route% up=%UPSTREAM_CLUSTER% trace=%traceId%'
        """ + routes());
    gateway.get("/text-a", Map.of("host", "app.test"));
    assertEquals("GET /text-a 200 - route=r up=echo trace=-", linesWith("/text-a", 1).get(0));

    gateway.reload("""
        telemetry:
          accessLog: { format: JSON, fields: [path, status] }
        """ + routes());
    gateway.get("/text-b", Map.of("host", "app.test"));
    assertEquals("{\"path\":\"/text-b\",\"status\":200}", linesWith("/text-b", 1).get(0));

    gateway.reload(routes());
    gateway.get("/text-c", Map.of("host", "app.test"));
    JsonObject back = new JsonObject(linesWith("/text-c", 1).get(0));
    assertEquals("access", back.getString("type"), "without a telemetry block the line is the default JSON again");
    assertTrue(back.containsKey("requestId") && back.containsKey("durationMicros"), back.encode());
  }
}
