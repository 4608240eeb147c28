package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A flood of connections that never send a request: each is counted in
 * {@code gatehouse_connections_active} from the moment it is accepted, the listener's
 * {@code maxConnections} bounds them (the ones over it are closed at once), and once they go the
 * listener serves again.
 */
@Tag("reliability")
class IdleFloodTest {
  @Test
  void idleConnectionsAreCountedAndBoundedByMaxConnections() {
    try (TestGateway gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: http, port: 0, limits: { maxConnections: 20 } }]
        routes: [{ name: r, directResponse: { status: 200, body: ok } }]
        """)) {
      List<RawTcp> idle = new ArrayList<>();
      try {
        for (int i = 0; i < 20; i++) {
          idle.add(RawTcp.connect(gateway.port()));
        }
        Await.until("20 idle connections counted", 5, () -> active(gateway) == 20.0);
        List<RawTcp> over = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          over.add(RawTcp.connect(gateway.port()));
        }
        for (RawTcp extra : over) {
          assertTrue(extra.closedWithin(5_000), "a connection over maxConnections is closed at once");
          extra.close();
        }
        assertEquals(20.0, active(gateway), "the idle connections fill the listener, no more");
        assertTrue(gateway.gatehouse.metrics().scrape().contains(
            "gatehouse_limit_rejected_total{limit=\"connections\",listener=\"http\",route=\"\"} 30.0"),
            gateway.gatehouse.metrics().scrape());
        for (int i = 0; i < 5; i++) {
          idle.remove(0).close();
        }
        Await.until("closed connections are no longer counted", 5, () -> active(gateway) == 15.0);
        assertEquals("ok", gateway.get("/").body(), "the listener serves once there is room");
      } finally {
        idle.forEach(RawTcp::close);
      }
    }
  }

  private static double active(TestGateway gateway) {
    return gateway.gatehouse.metrics().registry().get("gatehouse.connections.active").tag("listener", "http").gauge().value();
  }
}
