package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway's keep-alive connections to an HTTP/1.1 upstream in clear text, against an upstream
 * that writes its answers a few bytes at a time and records which connection carried each request: one
 * connection carries request after request; an answer with {@code Connection: close}, an
 * upstream's {@code Keep-Alive: timeout}, a connection the upstream hangs up, an invalid answer
 * and an answer that comes before the request's body each stop a connection from being used
 * again, and the next request gets a fresh one; a head whose body is still coming is relayed as
 * soon as the gateway has read what came with it, and a body that breaks in that same read gets a
 * clean 502; trailers come through, without framing fields; informational answers (103) are dropped; the
 * request head carries one {@code Host}, also when it is sent again by a retry; and an endpoint's
 * {@code maxConnections} holds across four event loops, with every request answered. The client
 * is the JDK's (and a raw socket where the body must wait for the answer): Vert.x's client, driven
 * from the test's thread as {@code request().compose(send).compose(body)}, now and then loses a
 * body that arrives with its head, with no gateway in the way (checked against a plain Vert.x
 * server: an empty body in about one request in 300-900; none in 6 000 when driven on one Vert.x
 * context).
 */
class UpstreamConnectionsTest {
  static Vertx vertx;
  static NetServer upstream;
  /** The upstream with maxConnections 2: answers every request after 100 ms. */
  static NetServer narrow;
  static TestGateway gateway;
  static HttpClient client;
  /** What the upstream received: the connection's number and the request's head. */
  record Seen(int connection, String head) {
    String header(String name) {
      return new RawUpstream.Received(head, "").header(name);
    }
  }
  static final List<Seen> seen = new CopyOnWriteArrayList<>();
  static final AtomicInteger connections = new AtomicInteger();
  /** Connections to {@link #narrow} open now, and the most at once. */
  static final AtomicInteger open = new AtomicInteger();
  static final AtomicInteger mostOpen = new AtomicInteger();
  static final AtomicInteger flakyTries = new AtomicInteger();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = Await.result(vertx.createNetServer().connectHandler(UpstreamConnectionsTest::serve).listen(0, "127.0.0.1"));
    narrow = Await.result(vertx.createNetServer().connectHandler(UpstreamConnectionsTest::serveNarrow).listen(0, "127.0.0.1"));
    String at = "127.0.0.1:" + upstream.actualPort();
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: http, port: 0, protocol: HTTP }
        upstreams:
          - { name: up, endpoints: ["%s"] }
          - { name: narrow, endpoints: ["127.0.0.1:%d"], circuitBreaker: { maxConnections: 2 } }
        routes:
          - name: retried
            match: [{ path: { prefix: /flaky } }]
            backends: [{ upstream: up }]
            retries: { attempts: 1, on: ["503"], backoff: { min: 5ms, base: 5ms } }
          - { name: narrow, match: [{ path: { prefix: /narrow } }], backends: [{ upstream: narrow }] }
          - { name: r, backends: [{ upstream: up }] }
        """.formatted(at, narrow.actualPort()), 4, o -> o);
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    narrow.close();
    vertx.close();
  }

  @BeforeEach
  void clear() {
    seen.clear();
  }

  private static void serveNarrow(NetSocket socket) {
    mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
    socket.closeHandler(v -> open.decrementAndGet());
    StringBuilder pending = new StringBuilder();
    socket.handler(bytes -> {
      pending.append(bytes.toString(StandardCharsets.ISO_8859_1));
      int end;
      while ((end = RawUpstream.requestEnd(pending)) > 0) {
        seen.add(new Seen(-1, pending.substring(0, end)));
        pending.delete(0, end);
        vertx.setTimer(100, t -> socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
      }
    });
  }

  private static void serve(NetSocket socket) {
    int id = connections.incrementAndGet();
    StringBuilder pending = new StringBuilder();
    socket.handler(bytes -> {
      pending.append(bytes.toString(StandardCharsets.ISO_8859_1));
      if (pending.indexOf("/early-answer") > 0 && pending.indexOf("\r\n\r\n") > 0) {
        // Answers on the head alone, before the body (which is still coming).
        String head = pending.substring(0, pending.indexOf("\r\n\r\n") + 4);
        pending.setLength(0);
        seen.add(new Seen(id, head));
        slowly(socket, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nearly");
        return;
      }
      int end;
      while ((end = RawUpstream.requestEnd(pending)) > 0) {
        String request = pending.substring(0, end);
        pending.delete(0, end);
        String head = request.substring(0, request.indexOf("\r\n\r\n") + 4);
        seen.add(new Seen(id, head));
        answer(socket, head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1)));
      }
    });
  }

  private static void answer(NetSocket socket, String path) {
    if (path.startsWith("/short-keep-alive")) {
      slowly(socket, "HTTP/1.1 200 OK\r\nkeep-alive: timeout=1\r\ncontent-length: 2\r\n\r\nok");
      return;
    }
    switch (path) {
      case "/close" -> slowly(socket, "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok");
      case "/early-hints" -> slowly(socket,
          "HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhints");
      case "/head-length" -> slowly(socket, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n");
      case "/head-hints" -> slowly(socket, "HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n"
          + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
      case "/odd-head" -> slowly(socket, "HTTP/1.1 299 Fine Thanks\r\nCONTENT-TYPE: text/odd\r\nETag: \"v1\"\r\n"
          + "cache-control: no-store\r\nDate: yesterday\r\nContent-Length: 2\r\n\r\nok");
      case "/invalid" -> slowly(socket, "HTTP/1.1 2x0 Nope\r\ncontent-length: 2\r\n\r\nok");
      case "/hang-up" -> socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").onComplete(v -> socket.close());
      case "/trickle" -> {
        socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\nfirst \r\n");
        vertx.setTimer(1_500, t -> socket.write("4\r\nlast\r\n0\r\n\r\n"));
      }
      case "/broken-chunk" -> socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nxx\r\n");
      case "/bad-trailer" -> socket.write(
          "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\ncontent-length: 99\r\nx-checksum: abc\r\n\r\n");
      case "/flaky" -> socket.write(flakyTries.getAndIncrement() % 2 == 0
          ? "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 5\r\n\r\nagain"
          : "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
      default -> slowly(socket, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
    }
  }

  /** Writes {@code answer} a few bytes at a time, so that the gateway reads it in pieces. */
  private static void slowly(NetSocket socket, String answer) {
    Future<Void> written = Future.succeededFuture();
    for (int i = 0; i < answer.length(); i += 7) {
      Buffer piece = Buffer.buffer(answer.substring(i, Math.min(answer.length(), i + 7)));
      written = written.compose(v -> socket.write(piece));
    }
  }

  private static Answer get(String path) {
    return send("GET", path, null);
  }

  record Answer(int status, String body) {
  }

  private static Answer send(String method, String path, String body) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gatehouse.listenerPort("http") + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .timeout(Duration.ofSeconds(10)).build();
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (Exception e) {
      throw new AssertionError(method + " " + path, e);
    }
  }

  @Test
  void oneConnectionCarriesRequestAfterRequest() {
    for (int i = 0; i < 5; i++) {
      assertEquals(new Answer(200, "ok"), get("/same/" + i));
    }
    assertEquals(5, seen.size());
    assertEquals(1, seen.stream().mapToInt(Seen::connection).distinct().count(), seen.toString());
  }

  @Test
  void connectionCloseIsNotUsedAgain() {
    assertEquals(new Answer(200, "ok"), get("/close"), () -> gateway.accessLog() + seen);
    assertEquals(new Answer(200, "ok"), get("/after-close"));
    assertNotEquals(seen.get(0).connection(), seen.get(1).connection());
  }

  @Test
  void anUpstreamsKeepAliveTimeoutIsKept() throws InterruptedException {
    assertEquals(new Answer(200, "ok"), get("/short-keep-alive/first"));
    assertEquals(new Answer(200, "ok"), get("/short-keep-alive/within"));
    Thread.sleep(1_300);
    assertEquals(new Answer(200, "ok"), get("/short-keep-alive/past"));
    assertEquals(seen.get(0).connection(), seen.get(1).connection(), "reused within the upstream's 1 s");
    assertNotEquals(seen.get(1).connection(), seen.get(2).connection(), "not reused after it");
  }

  @Test
  void aConnectionTheUpstreamHungUpIsReplaced() throws InterruptedException {
    assertEquals(new Answer(200, "ok"), get("/hang-up"), () -> gateway.accessLog() + seen);
    Thread.sleep(200);
    assertEquals(new Answer(200, "ok"), get("/after-hang-up"));
    assertNotEquals(seen.get(0).connection(), seen.get(1).connection());
  }

  @Test
  void informationalAnswersAreDropped() {
    assertEquals(new Answer(200, "hints"), get("/early-hints"));
    assertEquals(new Answer(200, "ok"), get("/after-hints"));
    assertEquals(seen.get(0).connection(), seen.get(1).connection(), "the connection is in step for the next request");
  }

  @Test
  void anInvalidAnswerIs502AndItsConnectionIsDropped() {
    assertEquals(502, get("/invalid").status());
    assertEquals(new Answer(200, "ok"), get("/after-invalid"));
    assertNotEquals(seen.get(0).connection(), seen.get(1).connection());
  }

  @Test
  void anAnswerBeforeTheWholeBodyEndsTheConnection() throws Exception {
    // The body's first chunk goes, the rest only once the answer is all here.
    RawHttp.Response early;
    try (RawHttp raw = RawHttp.connect(gateway.gatehouse.listenerPort("http"))) {
      raw.write("POST /early-answer HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nfirst piece\r\n");
      early = raw.read();
      raw.write("8\r\nthe rest\r\n0\r\n\r\n");
    }
    assertEquals(200, early.status());
    assertEquals("early", early.body());
    assertEquals(new Answer(200, "ok"), get("/after-early"));
    Seen after = seen.stream().filter(s -> s.head().contains("/after-early")).findFirst().orElseThrow();
    assertNotEquals(seen.get(0).connection(), after.connection());
  }

  @Test
  void aHeadWhoseBodyIsStillComingIsRelayedAtOnce() throws Exception {
    // The gateway holds a head back until the rest of what it read with it: never for longer.
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gatehouse.listenerPort("http") + "/trickle"))
        .timeout(Duration.ofSeconds(10)).build();
    long start = System.nanoTime();
    HttpResponse<java.io.InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    try (java.io.InputStream body = response.body()) {
      assertEquals(200, response.statusCode());
      String first = new String(body.readNBytes(6), StandardCharsets.ISO_8859_1);
      long firstMillis = (System.nanoTime() - start) / 1_000_000;
      assertEquals("first ", first);
      assertTrue(firstMillis < 1_000, "the head and the first piece came after " + firstMillis + " ms, before the rest (1.5 s)");
      assertEquals("last", new String(body.readAllBytes(), StandardCharsets.ISO_8859_1));
    }
  }

  @Test
  void aBodyThatBreaksInTheReadOfItsHeadIs502() {
    // Head and a broken chunk in one read, the head held back when the body fails: nothing went to
    // the client yet, so it gets a clean 502 rather than a 200 cut short.
    Answer broken = get("/broken-chunk");
    assertEquals(502, broken.status(), broken::toString);
    assertTrue(broken.body().contains("upstream"), broken.body());
    assertEquals(new Answer(200, "ok"), get("/after-broken-chunk"));
    Seen after = seen.stream().filter(s -> s.head().contains("/after-broken-chunk")).findFirst().orElseThrow();
    assertNotEquals(seen.get(0).connection(), after.connection());
  }

  @Test
  void trailersComeThroughWithoutFramingFields() throws Exception {
    // A trailer may not carry Content-Length, Transfer-Encoding or Trailer (RFC 9110 §6.5.1): dropped.
    String raw;
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.gatehouse.listenerPort("http"))) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write("GET /bad-trailer HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      StringBuilder in = new StringBuilder();
      while (!in.toString().matches("(?s).*\r\n0\r\n(.*\r\n)?\r\n")) {
        int b = socket.getInputStream().read();
        if (b < 0) {
          break;
        }
        in.append((char) b);
      }
      raw = in.toString();
    }
    assertTrue(raw.startsWith("HTTP/1.1 200"), raw);
    assertTrue(raw.contains("\r\n4\r\nbody\r\n0\r\n"), raw);
    assertTrue(raw.toLowerCase().contains("\r\n0\r\nx-checksum: abc\r\n"), raw);
    assertEquals(0, count(raw, "content-length"), raw); // not in the trailers, nor in the (chunked) head
  }

  @Test
  void theHeadCarriesOneHostAlsoWhenARetrySendsItAgain() {
    flakyTries.set(0);
    assertEquals(new Answer(200, "ok"), send("PUT", "/flaky", "payload"));
    assertEquals(2, seen.size(), seen.toString());
    for (Seen s : seen) {
      assertEquals(1, count(s.head(), "\r\nhost:"), s.head());
      assertEquals("127.0.0.1:" + gateway.gatehouse.listenerPort("http"), s.header("host"));
      assertEquals(1, count(s.head(), "\r\ncontent-length:"), s.head());
      assertEquals("7", s.header("content-length"));
      assertEquals(0, count(s.head(), "\r\ntransfer-encoding:"), s.head());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/head-length", "/head-hints"})
  void aHeadAnswersFieldsDescribeABodyItDoesNotCarry(String path) throws Exception {
    // /head-hints: 103 Early Hints first, which has no body of its own and is not the answer.
    HttpRequest head = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gatehouse.listenerPort("http") + path))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> answer = client.send(head, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, answer.statusCode());
    assertEquals("5", answer.headers().firstValue("content-length").orElse(null));
    assertEquals("", answer.body());
    // The upstream's next answer is read as an answer, on the same connection: no body was waited for.
    assertEquals(new Answer(200, "ok"), get("/after-head"));
    assertEquals(2, seen.size());
    assertEquals(1, seen.stream().mapToInt(Seen::connection).distinct().count(), seen.toString());
  }

  @Test
  void theStatusLineAndFieldNamesAreRelayedAsTheUpstreamSentThem() {
    try (RawHttp raw = RawHttp.connect(gateway.gatehouse.listenerPort("http"))) {
      for (int i = 0; i < 2; i++) { // the second on a connection the first left in the pool
        RawHttp.Response answer = raw.send("GET /odd-head HTTP/1.1", "Host: odd.test");
        assertEquals(299, answer.status());
        assertEquals("ok", answer.body());
        assertTrue(raw.head.startsWith("HTTP/1.1 299 Fine Thanks\r\n"), raw.head);
        for (String field : List.of("CONTENT-TYPE: text/odd", "ETag: \"v1\"", "cache-control: no-store", "Date: yesterday")) {
          assertTrue(raw.head.contains("\r\n" + field + "\r\n"), field + " in " + raw.head);
        }
      }
    }
  }

  @Test
  void maxConnectionsHoldsAcrossEventLoops() {
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    URI narrowUri = URI.create("http://127.0.0.1:" + gateway.gatehouse.listenerPort("http") + "/narrow");
    for (int i = 0; i < 16; i++) {
      answers.add(client.sendAsync(HttpRequest.newBuilder(narrowUri).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> answer : answers) {
      assertEquals(200, answer.join().statusCode());
    }
    assertEquals(16, seen.size());
    assertTrue(mostOpen.get() <= 2, "at most 2 connections open at once, was " + mostOpen.get());
    assertTrue(mostOpen.get() >= 1);
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int at = text.toLowerCase().indexOf(what); at >= 0; at = text.toLowerCase().indexOf(what, at + 1)) {
      n++;
    }
    return n;
  }
}
