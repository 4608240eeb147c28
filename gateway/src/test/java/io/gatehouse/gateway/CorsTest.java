package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Vertx;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gateway answers CORS preflights itself and adds the allow headers to answers for allowed origins. */
class CorsTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    gateway = TestGateway.start("""
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes:
          - name: shop
            backends: [{ upstream: up }]
            cors:
              allowOrigins: ["https://shop.example.com", "https://*.shop.test"]
              allowMethods: [GET, POST]
              allowHeaders: [x-token]
              exposeHeaders: [x-upstream]
              maxAge: 1h
              allowCredentials: true
        """.formatted(upstream.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  private static TestGateway.TestResponse preflight(String origin) {
    return gateway.send(gateway.request("/cart", Map.of("origin", origin, "access-control-request-method", "POST",
        "access-control-request-headers", "x-token")).method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
  }

  @Test
  void preflightIsAnsweredByTheGatewayAndNotForwarded() {
    int seen = upstream.requests().size();
    TestGateway.TestResponse r = preflight("https://shop.example.com");
    assertEquals(204, r.status());
    assertEquals("https://shop.example.com", r.header("access-control-allow-origin"));
    assertEquals("GET, POST", r.header("access-control-allow-methods"));
    assertEquals("x-token", r.header("access-control-allow-headers"));
    assertEquals("3600", r.header("access-control-max-age"));
    assertEquals("true", r.header("access-control-allow-credentials"));
    assertEquals(seen, upstream.requests().size(), "a preflight must not reach the upstream");
  }

  @Test
  void wildcardSubdomainOriginsAreAllowed() {
    assertEquals("https://a.shop.test", preflight("https://a.shop.test").header("access-control-allow-origin"));
    assertNull(preflight("https://shop.test").header("access-control-allow-origin"));
  }

  @Test
  void otherOriginsGetNoAllowHeaders() {
    TestGateway.TestResponse r = preflight("https://evil.example");
    assertEquals(204, r.status());
    assertNull(r.header("access-control-allow-origin"));
    TestGateway.TestResponse get = gateway.get("/cart", Map.of("origin", "https://evil.example"));
    assertEquals(200, get.status());
    assertNull(get.header("access-control-allow-origin"));
  }

  @Test
  void actualRequestsFromAllowedOriginsGetAllowHeaders() {
    TestGateway.TestResponse r = gateway.get("/cart", Map.of("origin", "https://shop.example.com"));
    assertEquals(200, r.status());
    assertEquals("https://shop.example.com", r.header("access-control-allow-origin"));
    assertEquals("x-upstream", r.header("access-control-expose-headers"));
    assertEquals("true", r.header("access-control-allow-credentials"));
    assertEquals("Origin", r.header("vary"));
    assertEquals("GET", upstream.lastRequest().method());
  }
}
