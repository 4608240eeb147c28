package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket and a gRPC bidirectional stream across a drain: both keep flowing through the
 * grace period and after the listeners stop accepting (new connections are refused), on the same
 * upstream connections, until the drain timeout; then they are closed the way their clients
 * understand: the WebSocket with 1001 "going away" to both sides, the gRPC call (its connection
 * told GOAWAY when the drain began) with status UNAVAILABLE, its upstream call cancelled.
 */
class LongLivedDrainTest {
  private static final Duration GRACE = Duration.ofMillis(1500);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(8);

  @Test
  void webSocketAndGrpcStreamsFlowThroughTheDrainAndCloseCleanlyAtItsEnd() throws Exception {
    Vertx vertx = Vertx.vertx();
    LongLived.WsUpstream ws = new LongLived.WsUpstream(vertx);
    LongLived.GrpcUpstream grpc = new LongLived.GrpcUpstream();
    TestGateway gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: http, port: 0, protocol: HTTP }]
        upstreams:
          - { name: ws-up, endpoints: ["%s"] }
          - { name: grpc-up, endpoints: ["%s"], protocol: HTTP2 }
        routes:
          - { name: grpc, match: [{ path: { prefix: /test.Chat/ } }], backends: [{ upstream: grpc-up }] }
          - { name: ws, match: [{ path: { prefix: /ws } }], backends: [{ upstream: ws-up }] }
        """.formatted(ws.address(), grpc.address()), 1, o -> new Gatehouse.Options(o.configDir(), o.adminPort(),
        o.eventLoops(), DRAIN_TIMEOUT, o.accessLog(), o.stateDir(), o.egressHostsFile(), o.controlPlanes(),
        o.vertxOptions(), GRACE, o.allowEmpty(), o.watchdogThreshold()));
    int port = gateway.port();
    LongLived.WsClient wsClient = new LongLived.WsClient(vertx, port, "/ws/drain");
    LongLived.GrpcClient grpcClient = LongLived.GrpcClient.plaintext(port);
    try {
      Flow flow = new Flow(wsClient, grpcClient);
      flow.await("the streams flow before the drain");

      long drainStart = System.nanoTime();
      CompletableFuture<Void> drained = CompletableFuture.runAsync(gateway.gatehouse::drain);
      Await.until("/ready fails", 5, () -> gateway.admin("/ready").status() == 503);
      flow.await("the streams flow during the grace period");
      assertFalse(wsClient.closed);

      Await.until("the grace period is over", 10, () -> System.nanoTime() - drainStart > GRACE.toNanos() + 1_200_000_000L);
      assertThrows(IOException.class, () -> {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        }
      }, "new connections are refused once the grace period is over");
      flow.await("the streams flow after the listeners stopped accepting");
      assertFalse(wsClient.closed, "the WebSocket is still open");
      assertNull(grpcClient.end.get(), "the gRPC call is still open");

      Await.until("the WebSocket closed", 15, () -> wsClient.closed);
      long closedAfter = (System.nanoTime() - drainStart) / 1_000_000;
      assertEquals((short) 1001, wsClient.closeCode.get());
      assertEquals("going away", wsClient.closeReason.get());
      assertTrue(closedAfter >= DRAIN_TIMEOUT.toMillis() - 1_000, "closed " + closedAfter + " ms into the drain");
      Await.until("the upstream got the close", 5, () -> ws.closeCodes.contains((short) 1001));
      Await.until("the gRPC call ended", 15, () -> grpcClient.end.get() != null);
      assertTrue(grpcClient.end.get().startsWith("UNAVAILABLE"), grpcClient.end.get());
      Await.until("the upstream call ended", 5, () -> !grpc.ends.isEmpty());
      assertEquals(List.of("CANCELLED"), grpc.ends);

      for (LongLived.Sequence s : List.of(wsClient.echoes, wsClient.pushes, wsClient.other, ws.fromClients.get(0),
          grpcClient.echoes, grpcClient.pushes, grpcClient.other, grpc.fromClients.get(0))) {
        assertNull(s.anomaly(), s.anomaly());
      }
      assertEquals(1, ws.connections.get(), "one upstream connection for the WebSocket all along");
      assertEquals(1, grpc.connections.get(), "one upstream connection for the gRPC stream all along");
      assertEquals(1, grpc.calls.get());

      drained.get();
      Await.until("the WebSocket logged", 5, () -> gateway.accessLog().contains("/ws/drain"));
      JsonObject line = new JsonObject(gateway.accessLog().lines().filter(l -> l.contains("/ws/drain")).findFirst().orElseThrow());
      assertEquals("tunnel_drain_timeout", line.getString("failure"), line.encode());
    } finally {
      grpcClient.close();
      gateway.close();
      grpc.close();
      vertx.close();
    }
  }

  /** Waits until each stream has moved a few more messages each way than at the last call. */
  private static final class Flow {
    private final LongLived.WsClient ws;
    private final LongLived.GrpcClient grpc;
    private long[] last = new long[4];

    Flow(LongLived.WsClient ws, LongLived.GrpcClient grpc) {
      this.ws = ws;
      this.grpc = grpc;
    }

    private long[] counts() {
      return new long[] {ws.echoes.count(), ws.pushes.count(), grpc.echoes.count(), grpc.pushes.count()};
    }

    void await(String what) {
      long[] from = last;
      Await.until(what, 30, () -> {
        long[] now = counts();
        for (int i = 0; i < now.length; i++) {
          if (now[i] < from[i] + 5) {
            return false;
          }
        }
        return true;
      });
      last = counts();
    }
  }
}
