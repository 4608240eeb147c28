package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An EGRESS listener's requests go through the same entry as an HTTP listener's: the access log
 * line is built from the exchange (the protocol the client spoke, the tries made) and the request
 * is counted in the request metrics, with the allow-list entry as its route.
 */
class EgressEntryTest {
  static Vertx vertx;
  static EchoUpstream echo;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    echo = EchoUpstream.start(vertx);
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: egress, port: 0, protocol: EGRESS }]
        egress:
          allow:
            - { host: api.allowed.test, ports: [%d] }
            - { name: loopback-lab, cidr: 127.0.0.0/8, ports: [%d] }
        """.formatted(echo.port(), echo.port()), Map.of("api.allowed.test", "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    vertx.close();
  }

  private static JsonObject logLine(String needle) {
    Await.until("logged: " + needle, 5, () -> gateway.accessLog().contains(needle));
    return gateway.accessLog().lines().filter(l -> l.contains(needle)).map(JsonObject::new).findFirst().orElseThrow();
  }

  @Test
  void theAccessLogSaysWhichHttpVersionTheClientSpoke() {
    try (RawHttp raw = RawHttp.connect(gateway.gatehouse.listenerPort("egress"))) {
      RawHttp.Response r = raw.send("GET http://api.allowed.test:" + echo.port() + "/ten HTTP/1.0",
          "Host: api.allowed.test:" + echo.port());
      assertEquals(200, r.status(), r.body());
    }
    JsonObject line = logLine("\"path\":\"/ten\"");
    assertEquals("HTTP/1.0", line.getString("protocol"), line.encode());
    assertEquals("api.allowed.test:" + echo.port(), line.getString("host"));
    assertEquals("egress", line.getString("upstream"));
    assertEquals(1, line.getInteger("attempts"));
  }

  @Test
  void aDeniedRequestMadeNoAttemptAndIsCountedAsARequest() {
    try (RawHttp raw = RawHttp.connect(gateway.gatehouse.listenerPort("egress"))) {
      RawHttp.Response r = raw.send("GET http://denied.test/nope HTTP/1.1", "Host: denied.test");
      assertEquals(403, r.status(), r.body());
    }
    JsonObject line = logLine("\"path\":\"/nope\"");
    assertEquals(403, line.getInteger("status"));
    assertEquals(0, line.getInteger("attempts"), line.encode());
    Await.until("counted", 5, () -> gateway.admin("/metrics").body().lines()
        .anyMatch(l -> l.startsWith("gatehouse_requests_total{") && l.contains("upstream=\"egress\"")
            && l.contains("status_class=\"4xx\"")));
    assertTrue(gateway.accessLog().contains("egress_host_not_allowed"), gateway.accessLog());
  }
}
