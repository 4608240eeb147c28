package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket and two gRPC bidirectional streams (h2c and TLS listeners) stay open, on the same
 * upstream connections, through 100 config changes made through the real reload paths (the
 * config file rewritten on disk, then admin API pushes): their own route's headers, timeout,
 * backend weights and backend list, sibling routes added and removed, and their upstream's
 * endpoint list (the endpoint they are on kept). Messages flow both ways all along, and every one
 * arrives once, in order.
 */
class LongLivedReloadTest {
  private static final int FILE_CHANGES = 12;
  private static final int CHANGES = 100;

  @Test
  void webSocketAndGrpcStreamsLiveThroughAHundredReloads() throws Exception {
    Vertx vertx = Vertx.vertx();
    LongLived.WsUpstream ws = new LongLived.WsUpstream(vertx);
    LongLived.WsUpstream wsSpare = new LongLived.WsUpstream(vertx);
    LongLived.GrpcUpstream grpc = new LongLived.GrpcUpstream();
    LongLived.GrpcUpstream grpcSpare = new LongLived.GrpcUpstream();
    TestCerts certs = TestCerts.in(Files.createTempDirectory("long-lived"));
    certs.server("tls", "grpc.example.com");
    Addresses at = new Addresses(ws.address(), wsSpare.address(), grpc.address(), grpcSpare.address(), certs.entry("tls"));
    TestGateway gateway = TestGateway.startRaw(at.file(0));
    List<LongLived.GrpcClient> grpcClients = new ArrayList<>();
    try {
      LongLived.WsClient wsClient = new LongLived.WsClient(vertx, gateway.port(), "/ws/chat");
      grpcClients.add(LongLived.GrpcClient.plaintext(gateway.port()));
      grpcClients.add(LongLived.GrpcClient.tls(gateway.gatehouse.listenerPort("https"), certs.caCert(), "grpc.example.com"));
      Progress progress = new Progress(wsClient, grpcClients);
      progress.await("the streams flow before any change");
      int wsConnections = ws.connections.get();
      int grpcConnections = grpc.connections.get();
      assertEquals(1, wsConnections);
      assertEquals(2, grpc.calls.get());

      long first = gateway.gatehouse.dataplane().current().version();
      List<Long> versions = new ArrayList<>();
      for (int change = 1; change <= CHANGES; change++) {
        if (change <= FILE_CHANGES) {
          long before = gateway.gatehouse.dataplane().current().version();
          gateway.write(at.file(change));
          Await.until("file change " + change + " installed", 10,
              () -> gateway.gatehouse.dataplane().current().version() > before);
        } else {
          long installed = at.push(gateway, change);
          Await.until("admin change " + change + " installed", 10,
              () -> gateway.gatehouse.dataplane().current().version() >= installed);
        }
        versions.add(gateway.gatehouse.dataplane().current().version());
        if (change % 10 == 0) {
          progress.await("the streams flow after change " + change);
        }
      }
      assertEquals(first + CHANGES, gateway.gatehouse.dataplane().current().version(), "every change was a new version: " + versions);

      wsClient.stop();
      grpcClients.forEach(LongLived.GrpcClient::stop);
      Await.until("every message sent was echoed", 10, () -> wsClient.echoes.count() == wsClient.sent.get()
          && grpcClients.stream().allMatch(c -> c.echoes.count() == c.sent.get()));
      assertFalse(wsClient.closed, "the WebSocket stayed open");
      for (LongLived.GrpcClient c : grpcClients) {
        assertNull(c.end.get(), "the gRPC call stayed open");
      }
      List<LongLived.Sequence> all = new ArrayList<>(List.of(wsClient.echoes, wsClient.pushes, wsClient.other));
      all.addAll(ws.fromClients);
      all.addAll(grpc.fromClients);
      grpcClients.forEach(c -> all.addAll(List.of(c.echoes, c.pushes, c.other)));
      for (LongLived.Sequence s : all) {
        assertNull(s.anomaly(), s.anomaly());
      }
      assertEquals(wsClient.sent.get(), ws.fromClients.get(0).count(), "the upstream got every WebSocket message once");
      assertEquals(grpcClients.stream().mapToLong(c -> c.sent.get()).sum(),
          grpc.fromClients.stream().mapToLong(LongLived.Sequence::count).sum(), "the upstream got every gRPC message once");
      assertTrue(wsClient.sent.get() > 300 && grpcClients.stream().allMatch(c -> c.sent.get() > 300),
          "messages flowed all along: " + wsClient.sent + " " + grpcClients.stream().map(c -> c.sent).toList());
      assertEquals(wsConnections, ws.connections.get(), "the WebSocket kept its upstream connection");
      assertEquals(1, ws.sessions.get());
      assertEquals(grpcConnections, grpc.connections.get(), "the gRPC streams kept their upstream connection");
      assertEquals(2, grpc.calls.get(), "no gRPC call was made again");
      assertEquals(0, wsSpare.sessions.get() + grpcSpare.calls.get(), "nothing went to the spare backends");

      grpcClients.forEach(LongLived.GrpcClient::complete);
      Await.until("the gRPC calls complete", 10, () -> grpcClients.stream().allMatch(c -> c.end.get() != null));
      grpcClients.forEach(c -> assertEquals("OK", c.end.get()));
      Await.result(wsClient.ws.close());
      Await.until("the WebSocket close reaches the upstream", 10, () -> ws.closeCodes.contains((short) 1000));
    } finally {
      grpcClients.forEach(LongLived.GrpcClient::close);
      gateway.close();
      grpc.close();
      grpcSpare.close();
      vertx.close();
    }
  }

  /** Waits until every stream has moved a few more messages each way than at the last call. */
  private static final class Progress {
    private final LongLived.WsClient ws;
    private final List<LongLived.GrpcClient> grpc;
    private long[] last;

    Progress(LongLived.WsClient ws, List<LongLived.GrpcClient> grpc) {
      this.ws = ws;
      this.grpc = grpc;
      this.last = counts();
    }

    private long[] counts() {
      List<Long> c = new ArrayList<>(List.of(ws.echoes.count(), ws.pushes.count()));
      grpc.forEach(g -> c.addAll(List.of(g.echoes.count(), g.pushes.count())));
      return c.stream().mapToLong(Long::longValue).toArray();
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

  /**
   * The config of change {@code n}: the file's whole text, or one admin push. Each differs from the
   * one before in what the long-lived streams' own routes and upstreams say, or in their siblings.
   */
  private record Addresses(String ws, String wsSpare, String grpc, String grpcSpare, String certificate) {
    String file(int n) {
      StringBuilder yaml = new StringBuilder("""
          admin: { port: 0 }
          listeners:
            - { name: http, port: 0, protocol: HTTP }
            - { name: https, port: 0, protocol: HTTPS, tls: { certificates: [%s] } }
          upstreams:
            - { name: ws-up, endpoints: [%s] }
            - { name: ws-spare, endpoints: ["%s"] }
            - { name: grpc-up, endpoints: [%s], protocol: HTTP2 }
            - { name: grpc-spare, endpoints: ["%s"], protocol: HTTP2 }
          routes:
            - name: grpc
              match: [{ path: { prefix: /test.Chat/ } }]
              backends: [%s]
              timeout: %ds
              headers: { request: { set: { x-change: "%d" } } }
            - name: ws
              match: [{ path: { prefix: /ws } }]
              backends: [{ upstream: ws-up, weight: %d }, { upstream: ws-spare, weight: %d }]
              timeout: %ds
              headers: { request: { set: { x-change: "%d" } }, response: { set: { x-served: "change-%d" } } }
          """.formatted(certificate,
          endpoints(ws, wsSpare, n % 4 == 1), wsSpare, endpoints(grpc, grpcSpare, n % 4 == 3), grpcSpare,
          n % 2 == 0 ? "{ upstream: grpc-up }" : "{ upstream: grpc-up, weight: 9 }, { upstream: grpc-spare, weight: 0 }",
          20 + n % 7, n, 100 - n % 5, n % 5, 10 + n % 3, n, n));
      for (int s = 0; s < n % 3; s++) {
        yaml.append("  - { name: sibling-%d, match: [{ path: { exact: /sibling/%d } }], directResponse: { status: 200 } }\n"
            .formatted(s, s));
      }
      return yaml.toString();
    }

    private static String endpoints(String on, String other, boolean both) {
      return both ? "\"" + on + "\", \"" + other + "\"" : "\"" + on + "\"";
    }

    /** Makes admin change {@code n} and returns the version it installed. */
    long push(TestGateway gateway, int n) {
      String path;
      JsonObject body;
      switch (n % 6) {
        case 0 -> {
          path = "/routes/ws";
          body = new JsonObject("""
              { "match": [{ "path": { "prefix": "/ws" } }],
                "backends": [{ "upstream": "ws-up", "weight": %d }, { "upstream": "ws-spare", "weight": %d }],
                "timeout": "%ds", "headers": { "request": { "set": { "x-change": "%d" } } } }
              """.formatted(100 - n % 7, n % 7, 5 + n % 11, n));
        }
        case 1 -> {
          path = "/routes/grpc";
          body = new JsonObject("""
              { "match": [{ "path": { "prefix": "/test.Chat/" } }],
                "backends": [%s], "timeout": "%ds", "headers": { "request": { "set": { "x-change": "%d" } } } }
              """.formatted(n % 4 == 1 ? "{ \"upstream\": \"grpc-up\" }"
              : "{ \"upstream\": \"grpc-up\", \"weight\": 5 }, { \"upstream\": \"grpc-spare\", \"weight\": 0 }",
              15 + n % 13, n));
        }
        case 2 -> {
          path = "/routes/pushed-" + n;
          body = new JsonObject("""
              { "match": [{ "path": { "prefix": "/pushed/%d" } }], "directResponse": { "status": 204 } }
              """.formatted(n));
        }
        case 3 -> {
          return install(gateway.admin("DELETE", "/routes/pushed-" + (n - 1), null, Map.of()), n);
        }
        case 4 -> {
          path = "/upstreams/ws-up";
          body = new JsonObject().put("endpoints", n % 12 == 4 ? List.of(ws, wsSpare) : List.of(ws))
              .put("circuitBreaker", new JsonObject().put("maxConnections", 1000 + n));
        }
        default -> {
          path = "/upstreams/grpc-up";
          body = new JsonObject().put("endpoints", n % 12 == 5 ? List.of(grpc, grpcSpare) : List.of(grpc))
              .put("protocol", "HTTP2").put("circuitBreaker", new JsonObject().put("maxRequests", 1000 + n));
        }
      }
      return install(gateway.admin("PUT", path, body.encode(), Map.of("content-type", "application/json")), n);
    }

    private static long install(TestGateway.TestResponse response, int n) {
      assertEquals(200, response.status(), "change " + n + ": " + response.body());
      JsonObject json = new JsonObject(response.body());
      assertEquals("installed", json.getString("result"), "change " + n + ": " + response.body());
      return json.getLong("version");
    }
  }
}
