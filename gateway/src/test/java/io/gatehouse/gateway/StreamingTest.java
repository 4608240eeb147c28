package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bodies stream both ways (10 MB each way), chunked encoding, WebSocket upgrade and h2c. */
class StreamingTest {
  static final int TEN_MB = 10 * 1024 * 1024;
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;
  static final AtomicLong uploaded = new AtomicLong();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx)
        .on("/download", req -> {
          // Chunked, written in 64 KiB pieces with back-pressure: the proxy must stream it.
          var response = req.response().setChunked(true);
          Buffer piece = Buffer.buffer(new byte[64 * 1024]);
          writeChunks(response, piece, TEN_MB / piece.length());
        })
        .on("/upload", req -> {
          AtomicLong count = new AtomicLong();
          req.handler(b -> count.addAndGet(b.length()));
          req.endHandler(v -> {
            uploaded.set(count.get());
            req.response().end("received " + count.get() + " chunked=" + "chunked".equals(req.getHeader("transfer-encoding")));
          });
        })
        .on("/trailers", req -> req.response().setChunked(true).putTrailer("x-checksum", "abc").end("body"));
    gateway = TestGateway.start("""
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes: [{ name: r, backends: [{ upstream: up }] }]
        """.formatted(upstream.address()));
  }

  private static void writeChunks(io.vertx.core.http.HttpServerResponse response, Buffer piece, int left) {
    if (left == 0) {
      response.end();
      return;
    }
    response.write(piece).onSuccess(v -> {
      if (response.writeQueueFull()) {
        response.drainHandler(d -> writeChunks(response, piece, left - 1));
      } else {
        writeChunks(response, piece, left - 1);
      }
    });
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  @Test
  void tenMegabyteDownloadStreamsChunked() throws Exception {
    HttpResponse<InputStream> r = gateway.client().send(gateway.request("/download", Map.of()).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    long total = 0;
    try (InputStream in = r.body()) {
      byte[] buf = new byte[65536];
      for (int n; (n = in.read(buf)) > 0; ) {
        total += n;
      }
    }
    assertEquals(TEN_MB, total);
  }

  @Test
  void tenMegabyteUploadWithContentLength() {
    byte[] body = new byte[TEN_MB];
    TestGateway.TestResponse r = gateway.send(gateway.request("/upload", Map.of())
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    assertEquals(200, r.status());
    assertEquals("received " + TEN_MB + " chunked=false", r.body());
  }

  @Test
  void chunkedUploadStaysChunked() {
    var pieces = java.util.Collections.nCopies(100, java.nio.ByteBuffer.wrap(new byte[10_000]));
    TestGateway.TestResponse r = gateway.send(gateway.request("/upload", Map.of())
        .POST(HttpRequest.BodyPublishers.fromPublisher(subscriber -> {
          var publisher = new java.util.concurrent.SubmissionPublisher<java.nio.ByteBuffer>();
          publisher.subscribe(subscriber);
          pieces.forEach(p -> publisher.submit(p.duplicate()));
          publisher.close();
        })).build());
    assertEquals(200, r.status());
    assertEquals("received 1000000 chunked=true", r.body());
  }

  @Test
  void trailersPassThrough() {
    HttpClient client = vertx.createHttpClient();
    try {
      var response = Await.result(client.request(HttpMethod.GET, gateway.port(), "127.0.0.1", "/trailers")
          .compose(req -> req.send()).compose(resp -> resp.body().map(b -> resp)));
      assertEquals("abc", response.trailers().get("x-checksum"));
    } finally {
      client.close();
    }
  }

  @Test
  void webSocketCompressionIsAgreedBetweenClientAndUpstream() {
    // The gateway tunnels the upgrade as bytes: permessage-deflate is negotiated end to end, and
    // compressed frames cross it unchanged.
    WebSocketClient client = vertx.createWebSocketClient(new io.vertx.core.http.WebSocketClientOptions()
        .setTryUsePerMessageCompression(true));
    try {
      var ws = Await.result(client.connect(new WebSocketConnectOptions().setPort(gateway.port()).setHost("127.0.0.1").setURI("/ws")));
      assertTrue(String.valueOf(ws.headers().get("sec-websocket-extensions")).contains("permessage-deflate"),
          "extensions: " + ws.headers().get("sec-websocket-extensions"));
      String big = "compress me ".repeat(5_000);
      var echoed = io.vertx.core.Promise.<String>promise();
      ws.textMessageHandler(echoed::tryComplete);
      ws.writeTextMessage(big);
      assertEquals(big, Await.result(echoed.future()));
      Await.result(ws.close());
    } finally {
      client.close();
    }
  }

  @Test
  void webSocketEchoThroughTheProxy() {
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      var ws = Await.result(client.connect(new WebSocketConnectOptions().setPort(gateway.port()).setHost("127.0.0.1").setURI("/ws")));
      var echoed = io.vertx.core.Promise.<String>promise();
      ws.textMessageHandler(echoed::tryComplete);
      ws.writeTextMessage("hello through gatehouse");
      assertEquals("hello through gatehouse", Await.result(echoed.future()));
      Await.result(ws.close());
    } finally {
      client.close();
    }
  }

  @Test
  void h2cPriorKnowledgeIsProxied() throws Exception {
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      var resp = Await.result(h2.request(new RequestOptions().setPort(gateway.port()).setHost("127.0.0.1").setURI("/h2"))
          .compose(req -> req.send()).compose(r -> r.body().map(b -> Map.entry(r.version(), b.toString()))));
      assertEquals(HttpVersion.HTTP_2, resp.getKey());
      assertTrue(resp.getValue().contains("\"uri\":\"/h2\""), resp.getValue());
    } finally {
      h2.close();
    }
  }
}
