package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** {@code GET /clusters} says what the balancer does: an endpoint failing health checks or ejected is not HEALTHY. */
class ClusterHealthTest {
  @Test
  void clustersReportsHealthCheckFailuresAndEjections() {
    Vertx vertx = Vertx.vertx();
    EchoUpstream a = EchoUpstream.start(vertx, "a");
    EchoUpstream b = EchoUpstream.start(vertx, "b");
    EchoUpstream c = EchoUpstream.start(vertx, "c");
    EchoUpstream d = EchoUpstream.start(vertx, "d");
    c.on("/", r -> r.response().setStatusCode(500).end("broken"));
    try (TestGateway gateway = TestGateway.start("""
        upstreams:
          - name: checked
            endpoints: ["%s", "%s"]
            healthCheck: { path: /healthz, interval: 100ms, timeout: 1s, healthyThreshold: 1, unhealthyThreshold: 2 }
          - name: detected
            endpoints: ["%s", "%s"]
            outlierDetection: { consecutiveErrors: 2, baseEjectionTime: 30s, maxEjectionPercent: 50 }
        routes:
          - { name: checked, match: [{ path: { prefix: /checked } }], backends: [{ upstream: checked }] }
          - { name: detected, backends: [{ upstream: detected }], retries: { attempts: 0 } }
        """.formatted(a.address(), b.address(), c.address(), d.address()))) {
      Await.until("all endpoints healthy", 10, () -> health(gateway, "checked", b).equals("HEALTHY"));
      assertEquals("HEALTHY", health(gateway, "detected", c));

      b.kill();
      Await.until("/clusters shows b failing its health checks", 10, () -> health(gateway, "checked", b).equals("UNHEALTHY"));
      assertEquals("HEALTHY", health(gateway, "checked", a));

      int errors = 0;
      for (int i = 0; i < 10 && errors < 2; i++) {
        errors += gateway.get("/x").status() == 500 ? 1 : 0;
      }
      assertEquals(2, errors);
      assertEquals("EJECTED", health(gateway, "detected", c));
      assertEquals("HEALTHY", health(gateway, "detected", d));

      b.revive();
      Await.until("b healthy again", 10, () -> health(gateway, "checked", b).equals("HEALTHY"));
    } finally {
      a.close();
      c.close();
      d.close();
      vertx.close();
    }
  }

  private static String health(TestGateway gateway, String upstream, EchoUpstream endpoint) {
    JsonArray clusters = new JsonObject(gateway.admin("/clusters").body()).getJsonArray("clusters");
    for (Object o : clusters) {
      JsonObject cluster = (JsonObject) o;
      if (cluster.getString("name").equals(upstream)) {
        for (Object e : cluster.getJsonArray("endpoints")) {
          JsonObject ep = (JsonObject) e;
          if (ep.getString("address").equals(endpoint.address())) {
            return ep.getString("health");
          }
        }
      }
    }
    throw new AssertionError(endpoint.address() + " not in /clusters for " + upstream + ": " + clusters);
  }
}
