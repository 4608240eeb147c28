package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A drain with requests in flight: they all finish, HTTP/1.1 says Connection: close, HTTP/2 gets GOAWAY. */
class DrainTest {
  @Test
  void requestsInFlightFinishWithoutErrorsAndNewConnectionsAreRefused() throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicInteger arrived = new AtomicInteger();
    EchoUpstream upstream = EchoUpstream.start(vertx).on("/slow", req -> {
      arrived.incrementAndGet();
      vertx.setTimer(1_000, id -> req.response().end("done"));
    });
    TestGateway gateway = TestGateway.start("""
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: up }] }]
        """.formatted(upstream.address()));
    int port = gateway.port();
    ExecutorService pool = Executors.newFixedThreadPool(10);
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      List<CompletableFuture<String>> http1 = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        int n = i;
        http1.add(CompletableFuture.supplyAsync(() -> {
          try (RawTcp raw = RawTcp.connect(port)) {
            return raw.send("GET /slow/" + n + " HTTP/1.1\r\nHost: a\r\n\r\n").readResponse();
          }
        }, pool));
      }
      Promise<Void> goAway = Promise.promise();
      var h2Response = h2.request(HttpMethod.GET, port, "127.0.0.1", "/slow/h2").compose(req -> {
        req.connection().goAwayHandler(ga -> goAway.tryComplete());
        return req.send().compose(resp -> resp.body().map(body -> resp.statusCode() + " " + body));
      });
      Await.until("11 requests in flight at the upstream", 10, () -> arrived.get() == 11);

      CompletableFuture<Void> drain = CompletableFuture.runAsync(gateway.gatehouse::drain);
      Await.until("readiness fails while draining", 5, () -> gateway.admin("/ready").status() == 503);

      for (CompletableFuture<String> f : http1) {
        String response = f.get(10, TimeUnit.SECONDS);
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        assertTrue(response.toLowerCase(Locale.ROOT).contains("connection: close"), response);
        assertTrue(response.endsWith("done"), response);
      }
      assertEquals("200 done", Await.result(h2Response));
      Await.result(goAway.future());
      drain.get(15, TimeUnit.SECONDS);
      assertThrows(RuntimeException.class, () -> RawTcp.connect(port).close(), "the listener should not accept any more");
      assertTrue(!gateway.accessLog().contains("\"status\":5"), "no request may fail: " + gateway.accessLog());
    } finally {
      pool.shutdownNow();
      h2.close();
      gateway.close();
      upstream.close();
      vertx.close();
    }
  }
}
