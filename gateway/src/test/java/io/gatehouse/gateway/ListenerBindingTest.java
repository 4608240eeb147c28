package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A route with {@code listeners} answers only on those listeners; one without answers on all. */
class ListenerBindingTest {
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: public, port: 0, protocol: HTTP }
          - { name: internal, port: 0, protocol: HTTP }
        routes:
          - name: internal-only
            listeners: [internal]
            match: [{ path: { prefix: /ops } }]
            directResponse: { status: 200, body: internal-only }
          - name: public-only
            listeners: [public]
            match: [{ path: { prefix: /shop } }]
            directResponse: { status: 200, body: public-only }
          - name: everywhere
            match: [{ path: { prefix: / } }]
            directResponse: { status: 200, body: everywhere }
        """);
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  private static String body(String listener, String path) {
    URI uri = URI.create("http://127.0.0.1:" + gateway.gatehouse.listenerPort(listener) + path);
    return gateway.send(HttpRequest.newBuilder(uri).GET().build()).body();
  }

  @Test
  void aBoundRouteAnswersOnItsListenerOnly() {
    assertEquals("internal-only", body("internal", "/ops/health"));
    assertEquals("everywhere", body("public", "/ops/health"), "the public listener never sees internal-only");
    assertEquals("public-only", body("public", "/shop"));
    assertEquals("everywhere", body("internal", "/shop"));
  }

  @Test
  void anUnboundRouteAnswersOnEveryListener() {
    assertEquals("everywhere", body("public", "/"));
    assertEquals("everywhere", body("internal", "/"));
  }
}
