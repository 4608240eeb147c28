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
 * it open past the timeout; once no frame has moved either way for that long, the gateway closes
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
          ws.closeHandler(v -> upstreamCloses.add(ws.closeStatusCode()));
        })
        .listen(0, "127.0.0.1"));
    TestGateway gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: http, port: 0, protocol: HTTP, tunnels: { idleTimeout: 800ms } }]
        upstreams: [{ name: up, endpoints: ["127.0.0.1:%d"] }]
        routes: [{ name: ws, backends: [{ upstream: up }] }]
        """.formatted(upstream.actualPort()));
    try {
      WebSocketClient client = vertx.createWebSocketClient();
      WebSocket ws = Await.result(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(gateway.port()).setURI("/idle")));
      AtomicReference<String> closed = new AtomicReference<>();
      List<String> echoes = new CopyOnWriteArrayList<>();
      ws.textMessageHandler(echoes::add);
      ws.closeHandler(v -> closed.set(ws.closeStatusCode() + " " + ws.closeReason()));
      // A message every 200 ms for 2.4 s: three idle timeouts long, and never 800 ms quiet.
      long started = System.nanoTime();
      for (int i = 0; i < 12; i++) {
        ws.writeTextMessage("m" + i);
        int sent = i + 1;
        Await.until("echo " + i, 5, () -> echoes.size() >= sent);
        long next = started + (i + 1) * 200_000_000L;
        Await.until("the next tick", 5, () -> System.nanoTime() >= next);
      }
      assertEquals(null, closed.get(), "traffic kept the WebSocket open");
      long quietFrom = System.nanoTime();
      Await.until("the idle WebSocket closed", 10, () -> closed.get() != null);
      long quietMillis = (System.nanoTime() - quietFrom) / 1_000_000;
      assertEquals("1001 going away", closed.get());
      assertTrue(quietMillis >= 600, "closed after " + quietMillis + " ms quiet");
      Await.until("the upstream got the close", 5, () -> !upstreamCloses.isEmpty());
      assertEquals(List.of((short) 1001), upstreamCloses);

      Await.until("logged", 5, () -> gateway.accessLog().contains("/idle"));
      JsonObject line = new JsonObject(gateway.accessLog().lines().filter(l -> l.contains("/idle")).findFirst().orElseThrow());
      assertEquals("tunnel_idle_timeout", line.getString("failure"), line.encode());
      assertEquals(101, line.getInteger("status"));
      String metrics = gateway.admin("/metrics").body();
      assertTrue(metrics.contains(
          "gatehouse_limit_rejected_total{limit=\"tunnel_idle_timeout\",listener=\"http\",route=\"ws\"} 1.0"), metrics);
      assertFalse(metrics.contains("limit=\"idle_timeout\",listener=\"http\",route=\"\"} 1.0"),
          "the listener's connection idle timeout did not close it");
    } finally {
      gateway.close();
      vertx.close();
    }
  }
}
