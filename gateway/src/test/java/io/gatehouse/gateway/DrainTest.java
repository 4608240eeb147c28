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
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A drain with requests in flight: they all finish, HTTP/1.1 says Connection: close, HTTP/2 gets GOAWAY. */
class DrainTest {
  /**
   * What one client saw: requests answered, failures (a request sent and not answered: the
   * connection closed or was reset before its response), resets among them, and how often the
   * gateway said {@code Connection: close}.
   */
  private static final class Tally {
    final AtomicInteger answered = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    final AtomicInteger stopped = new AtomicInteger();
    /** Set when the load balancer has seen /ready fail: clients open no new connection after it. */
    final AtomicBoolean removed = new AtomicBoolean();
    final List<String> failures = new CopyOnWriteArrayList<>();
  }

  /**
   * Several keep-alive clients and clients opening a connection per request, plus idle keep-alive
   * connections, all across a drain: nothing is reset and every request sent is answered. The
   * clients play a load balancer's part: new connections keep coming during the grace period
   * until, half a second after {@code /ready} failed, the pod is out of the balancer's endpoints;
   * each client then finishes what it has (a keep-alive connection until its Connection: close).
   * A connection still arriving as the listening socket closes cannot be saved by any server (the
   * kernel resets its accept queue), which is what the grace period is for.
   */
  @Test
  @Tag("reliability")
  void aDrainUnderLoadResetsNothingAndAnswersEveryRequest() throws Exception {
    Vertx vertx = Vertx.vertx();
    EchoUpstream upstream = EchoUpstream.start(vertx)
        .on("/slow", req -> vertx.setTimer(300, id -> req.response().end("slow")));
    TestGateway gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: http, port: 0, protocol: HTTP }]
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: up }] }]
        """.formatted(upstream.address()), 1, o -> o.withDrainGrace(java.time.Duration.ofSeconds(2)));
    int port = gateway.port();
    ExecutorService pool = Executors.newFixedThreadPool(12);
    java.util.concurrent.ScheduledExecutorService balancer = Executors.newSingleThreadScheduledExecutor();
    Tally tally = new Tally();
    AtomicBoolean drainStarted = new AtomicBoolean();
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        Socket socket = connect(port);
        exchange(socket, "/idle/" + i, false);
        idle.add(socket);
      }
      List<CompletableFuture<Void>> clients = new ArrayList<>();
      for (int c = 0; c < 6; c++) {
        String path = c % 3 == 0 ? "/slow/" + c : "/k/" + c;
        clients.add(CompletableFuture.runAsync(() -> keepAlive(port, path, tally), pool));
      }
      for (int c = 0; c < 4; c++) {
        int n = c;
        clients.add(CompletableFuture.runAsync(() -> connectionPerRequest(port, "/n/" + n, tally), pool));
      }
      Await.until("load is flowing", 10, () -> tally.answered.get() > 100);
      int before = tally.answered.get();
      CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> {
        drainStarted.set(true);
        gateway.gatehouse.drain();
      });
      Await.until("readiness fails at once", 5, () -> gateway.admin("/ready").status() == 503);
      balancer.schedule(() -> tally.removed.set(true), 500, TimeUnit.MILLISECONDS);
      drain.get(20, TimeUnit.SECONDS);
      CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

      assertTrue(tally.failures.isEmpty(), tally.failures.size() + " requests failed across the drain: "
          + tally.failures.stream().limit(5).toList());
      assertTrue(tally.answered.get() > before, "requests were answered during the grace period");
      assertTrue(tally.closes.get() >= 6, "keep-alive clients were told Connection: close: " + tally.closes.get());
      assertEquals(10, tally.stopped.get(), "every client stopped once the balancer took the pod out");
      assertThrows(RuntimeException.class, () -> RawTcp.connect(port).close(), "the listener accepts no more");
      for (Socket socket : idle) {
        assertEquals(-1, readEnd(socket), "an idle keep-alive connection is closed, not reset");
      }
      assertTrue(!gateway.accessLog().contains("\"status\":5"), "no request failed at the gateway");
    } finally {
      idle.forEach(DrainTest::closeQuietly);
      balancer.shutdownNow();
      pool.shutdownNow();
      gateway.close();
      upstream.close();
      vertx.close();
    }
  }

  /** Requests on one connection until the gateway says Connection: close; then a new one, until refused. */
  private static void keepAlive(int port, String path, Tally tally) {
    Socket socket = null;
    try {
      while (true) {
        if (socket == null) {
          if (tally.removed.get()) {
            tally.stopped.incrementAndGet();
            return;
          }
          socket = connect(port);
        }
        String response = exchange(socket, path, false);
        tally.answered.incrementAndGet();
        if (response.toLowerCase(Locale.ROOT).contains("connection: close")) {
          tally.closes.incrementAndGet();
          socket.close();
          socket = null;
        }
      }
    } catch (IOException | RuntimeException e) {
      tally.failures.add(path + ": " + e);
    } finally {
      closeQuietly(socket);
    }
  }

  /** One request per connection (Connection: close), until the balancer takes the pod out. */
  private static void connectionPerRequest(int port, String path, Tally tally) {
    while (true) {
      if (tally.removed.get()) {
        tally.stopped.incrementAndGet();
        return;
      }
      Socket socket;
      try {
        socket = connect(port);
      } catch (IOException e) {
        tally.failures.add(path + " connect: " + e);
        return;
      }
      try {
        exchange(socket, path, true);
        tally.answered.incrementAndGet();
      } catch (IOException | RuntimeException e) {
        tally.failures.add(path + ": " + e);
        return;
      } finally {
        closeQuietly(socket);
      }
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /** Sends one GET and reads its whole response (Content-Length body); any early end is an IOException. */
  private static String exchange(Socket socket, String path, boolean close) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: a\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed before the response" + (head.length() > 0 ? " (mid-head)" : ""));
      }
      head.append((char) b);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      throw new IOException("connection closed mid-body");
    }
    if (!head.toString().startsWith("HTTP/1.1 200")) {
      throw new IOException("status: " + head.toString().lines().findFirst().orElse(""));
    }
    return head.toString();
  }

  /** -1 when the server closed the connection cleanly; throws on a reset. */
  private static int readEnd(Socket socket) throws IOException {
    try {
      return socket.getInputStream().read();
    } catch (SocketException e) {
      throw new AssertionError("reset: " + e, e);
    }
  }

  private static void closeQuietly(Socket socket) {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }

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
