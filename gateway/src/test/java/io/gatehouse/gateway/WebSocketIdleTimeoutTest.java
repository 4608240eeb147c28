package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket through an HTTP listener with {@code tunnels.idleTimeout}: traffic either way keeps
 * it open past the timeout (the listener's shorter connection idle timeout no longer applies once
 * it is upgraded); once no frame has moved either way for that long, the gateway closes
 * it with 1001 "going away" to both the client and the upstream, counts it with the other limits
 * ({@code limit="tunnel_idle_timeout"}) and logs it.
 */
class WebSocketIdleTimeoutTest {
  @Test
  void aQuietWebSocketIsClosedWithGoingAwayToBothSides() {
    Vertx vertx = Vertx.vertx();
    List<Short> upstreamCloses = new CopyOnWriteArrayList<>();
    HttpServer upstream = Await.result(vertx.createHttpServer()
        .requestHandler(request -> request.response().setStatusCode(404).end())
        .webSocketHandshakeHandler(handshake -> handshake.accept())
        .webSocketHandler(ws -> {
          ws.textMessageHandler(ws::writeTextMessage);
          ws.closeHandler(v -> upstreamCloses.add(ws.closeStatusCode() == null ? Short.valueOf((short) 0) : ws.closeStatusCode()));
        })
        .listen(0, "127.0.0.1"));
    TestGateway gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: http, port: 0, protocol: HTTP, limits: { idleTimeout: 1500ms }, tunnels: { idleTimeout: 3s } }
        upstreams: [{ name: up, endpoints: ["127.0.0.1:%d"] }]
        routes: [{ name: ws, backends: [{ upstream: up }] }]
        """.formatted(upstream.actualPort()));
    // Held, and closed at the end: Vert.x closes a client, and its WebSockets, once it is unreachable.
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocket ws = connect(client, gateway.port());
      AtomicReference<String> closed = new AtomicReference<>();
      List<String> echoes = new CopyOnWriteArrayList<>();
      ws.textMessageHandler(echoes::add);
      ws.closeHandler(v -> closed.set(ws.closeStatusCode() + " " + ws.closeReason()));
      // A message every 2 s for 6 s: longer than the tunnel's idle timeout, never that long quiet,
      // and quiet longer than the listener's connection idle timeout, which no longer applies.
      long started = System.nanoTime();
      long lastSent = started;
      for (int i = 0; i < 3; i++) {
        lastSent = System.nanoTime();
        ws.writeTextMessage("m" + i);
        int sent = i + 1;
        Await.until("echo " + i, 5, () -> echoes.size() >= sent);
        if (i < 2) {
          long next = started + (i + 1) * 2_000_000_000L;
          Await.until("the next tick", 5, () -> System.nanoTime() >= next);
        }
      }
      assertEquals(null, closed.get(), "traffic kept the WebSocket open");
      long quietFrom = lastSent;
      Await.until("the idle WebSocket closed", 15, () -> closed.get() != null);
      long quietMillis = (System.nanoTime() - quietFrom) / 1_000_000;
      assertEquals("1001 going away", closed.get());
      assertTrue(quietMillis >= 2500, "closed after " + quietMillis + " ms quiet");
      Await.until("the upstream got the close", 5, () -> upstreamCloses.contains((short) 1001));
      assertEquals((short) 1001, (short) upstreamCloses.get(upstreamCloses.size() - 1));

      Await.until("logged", 5, () -> gateway.accessLog().contains("tunnel_idle_timeout"));
      JsonObject line = new JsonObject(gateway.accessLog().lines().filter(l -> l.contains("tunnel_idle_timeout")).findFirst().orElseThrow());
      assertEquals("/idle", line.getString("path"));
      assertEquals("tunnel_idle_timeout", line.getString("failure"), line.encode());
      assertEquals(101, line.getInteger("status"));
      String metrics = gateway.admin("/metrics").body();
      assertTrue(metrics.contains(
          "gatehouse_limit_rejected_total{limit=\"tunnel_idle_timeout\",listener=\"http\",route=\"ws\"} 1.0"), metrics);
      assertFalse(metrics.contains("limit=\"idle_timeout\",listener=\"http\",route=\"\"} 1.0"),
          "the listener's connection idle timeout did not close it");
    } finally {
      client.close();
      gateway.close();
      vertx.close();
    }
  }

  /**
   * Opens the WebSocket, trying again if the listener's short connection idle timeout (1.5 s) ended
   * a handshake that a loaded test host made slower than that: that timeout is for connections
   * before their upgrade, and what this test is about comes after it.
   */
  private static WebSocket connect(WebSocketClient client, int port) {
    for (int attempt = 1; ; attempt++) {
      try {
        return Await.result(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/idle")));
      } catch (RuntimeException e) {
        if (attempt == 5) {
          throw e;
        }
      }
    }
  }
}
