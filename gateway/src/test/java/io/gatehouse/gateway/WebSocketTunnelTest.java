package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket upgrade becomes a byte tunnel like CONNECT and passthrough ones: counted while open
 * ({@code gatehouse.tunnels.active}), its bytes counted each way ({@code gatehouse.tunnel.bytes})
 * and logged, under the listener's tunnel limits.
 */
class WebSocketTunnelTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    gateway = TestGateway.start("""
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes: [{ name: ws, backends: [{ upstream: up }] }]
        """.formatted(upstream.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    vertx.close();
  }

  @Test
  void aWebSocketIsATunnelWithItsBytesCountedAndLogged() {
    // Held, and closed at the end: Vert.x closes a client, and its WebSockets, once it is unreachable.
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      var ws = Await.result(client.connect(new WebSocketConnectOptions().setPort(gateway.port()).setHost("127.0.0.1").setURI("/ws/counted")));
      Await.until("tunnel open", 5, () -> gateway.admin("/metrics").body().contains("gatehouse_tunnels_active{listener=\"http\"} 1.0"));
      String message = "x".repeat(10_000);
      Promise<String> echoed = Promise.promise();
      ws.textMessageHandler(echoed::tryComplete);
      ws.writeTextMessage(message);
      assertEquals(message, Await.result(echoed.future()));
      Await.result(ws.close());
    } finally {
      client.close();
    }

    Await.until("tunnel closed", 5, () -> gateway.admin("/metrics").body().contains("gatehouse_tunnels_active{listener=\"http\"} 0.0"));
    Await.until("logged", 5, () -> gateway.accessLog().contains("/ws/counted"));
    JsonObject line = gateway.accessLog().lines().filter(l -> l.contains("/ws/counted")).map(JsonObject::new).findFirst().orElseThrow();
    assertEquals(101, line.getInteger("status"), line.encode());
    assertTrue(line.getLong("bytesIn") >= 10_000 && line.getLong("bytesOut") >= 10_000, line.encode());
    String metrics = gateway.admin("/metrics").body();
    assertTrue(metrics.lines().anyMatch(l -> l.startsWith("gatehouse_tunnel_bytes_total{direction=\"upstream\",listener=\"http\"}")
        && Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) >= 10_000), metrics);
    assertTrue(metrics.lines().anyMatch(l -> l.startsWith("gatehouse_tunnel_bytes_total{direction=\"downstream\",listener=\"http\"}")
        && Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) >= 10_000), metrics);
  }
}
