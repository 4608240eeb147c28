package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An HTTP listener with {@code httpsRedirect} sends every request to HTTPS, ahead of any route. */
class HttpsRedirectTest {
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: http, port: 0, protocol: HTTP, httpsRedirect: true }
          - { name: http-alt, port: 0, protocol: HTTP, httpsRedirect: { port: 8443, status: 308 } }
        routes: [{ name: ok, directResponse: { status: 200, body: "served" } }]
        """);
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void everyRequestIsRedirectedToHttpsKeepingHostPathAndQuery() {
    var r = gateway.get("/shop/cart?item=1", java.util.Map.of("Host", "shop.example.com:8080"));
    assertEquals(301, r.status());
    assertEquals("https://shop.example.com/shop/cart?item=1", r.header("location"));
    Await.until("the access log names the redirect", 5, () -> gateway.accessLog().contains("\"route\":\"https-redirect\""));
  }

  @Test
  void theRedirectPortAndStatusCanBeSet() throws Exception {
    int port = gateway.gatehouse.listenerPort("http-alt");
    HttpResponse<String> r = gateway.client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/a/../b"))
        .POST(HttpRequest.BodyPublishers.ofString("body")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(308, r.statusCode());
    assertEquals("https://127.0.0.1:8443/b", r.headers().firstValue("location").orElseThrow());
  }
}
