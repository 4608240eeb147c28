package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.Decoder;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.decoder.DirectDecompress;
import com.github.luben.zstd.ZstdInputStream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Response compression with real upstreams sending large bodies (whole and streamed in chunks):
 * the client decodes what it got (JDK gzip, brotli4j, zstd-jni) and compares the bytes, and each case that
 * must not be compressed is checked on the wire.
 */
class CompressionTest {
  /** 256 KiB of JSON-ish text that compresses well but not trivially. */
  static final byte[] BODY = body();

  Vertx vertx;
  EchoUpstream upstream;
  TestGateway gateway;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  static byte[] body() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; b.length() < 256 * 1024; i++) {
      b.append("{\"id\":").append(i).append(",\"name\":\"item-").append(Integer.toHexString(i * 31))
          .append("\",\"tags\":[\"a\",\"b\"]},\n");
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    upstream.on("/json", r -> r.response().putHeader("content-type", "application/json").end(Buffer.buffer(BODY)));
    upstream.on("/stream", r -> {
      // Chunked, in 16 KiB pieces written over several event-loop turns: no length up front.
      HttpServerResponse response = r.response().setChunked(true).putHeader("content-type", "text/plain; charset=utf-8");
      writeFrom(response, 0);
    });
    upstream.on("/png", r -> r.response().putHeader("content-type", "image/png").end(Buffer.buffer(BODY)));
    upstream.on("/small", r -> r.response().putHeader("content-type", "text/plain").end("tiny"));
    upstream.on("/encoded", r -> r.response().putHeader("content-type", "text/plain").putHeader("content-encoding", "gzip")
        .end(Buffer.buffer(BODY)));
    upstream.on("/no-transform", r -> r.response().putHeader("content-type", "text/plain")
        .putHeader("cache-control", "public, no-transform").end(Buffer.buffer(BODY)));
    upstream.on("/range", r -> r.response().setStatusCode(206).putHeader("content-type", "text/plain")
        .putHeader("content-range", "bytes 0-99/1000").end(Buffer.buffer(BODY).slice(0, 100)));
    upstream.on("/empty", r -> r.response().setStatusCode(204).putHeader("content-type", "application/json").end());
    upstream.on("/not-modified", r -> r.response().setStatusCode(304).putHeader("content-type", "text/plain")
        .putHeader("etag", "\"v1\"").end());
    gateway = TestGateway.start("""
        upstreams: [{ name: u, endpoints: ["%s"] }]
        routes:
          - name: plain
            match: [{ path: { prefix: /off } }]
            backends: [{ upstream: u }]
            rewrite: { prefix: /json }
          - name: zipped
            backends: [{ upstream: u }]
            compression: { algorithms: [br, zstd, gzip], minSize: 1KiB, contentTypes: [text/*, application/json] }
        """.formatted(upstream.address()));
  }

  private void writeFrom(HttpServerResponse response, int offset) {
    if (offset >= BODY.length) {
      response.end();
      return;
    }
    int end = Math.min(BODY.length, offset + 16 * 1024);
    response.write(Buffer.buffer(BODY).slice(offset, end)).onComplete(ar -> vertx.setTimer(1, id -> writeFrom(response, end)));
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  private HttpResponse<byte[]> get(String path, String acceptEncoding) {
    return send("GET", path, acceptEncoding);
  }

  private HttpResponse<byte[]> send(String method, String path, String acceptEncoding) {
    return send(method, URI.create(gateway.url(path)), acceptEncoding);
  }

  private HttpResponse<byte[]> send(String method, URI uri, String acceptEncoding) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (acceptEncoding != null) {
      b.header("accept-encoding", acceptEncoding);
    }
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  static byte[] gunzip(byte[] data) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] unbrotli(byte[] data) {
    Brotli4jLoader.ensureAvailability();
    try {
      DirectDecompress result = Decoder.decompress(data);
      assertEquals(DecoderJNI.Status.DONE, result.getResultStatus(), "a complete brotli stream");
      return result.getDecompressedData();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Netty's ZstdEncoder writes one frame per block; zstd-jni's stream reads the frames in turn. */
  static byte[] unzstd(byte[] data) {
    try (ZstdInputStream in = new ZstdInputStream(new ByteArrayInputStream(data))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void gzipIsNegotiatedAndTheBytesComeBackWhole() {
    HttpResponse<byte[]> r = get("/json", "gzip");
    assertEquals(200, r.statusCode());
    assertEquals("gzip", header(r, "content-encoding"));
    assertNull(header(r, "content-length"), "the compressed length is not known up front");
    assertEquals("Accept-Encoding", header(r, "vary"));
    assertTrue(r.body().length < BODY.length / 3, "compressed to " + r.body().length + " of " + BODY.length);
    assertArrayEquals(BODY, gunzip(r.body()));
  }

  @Test
  void brotliIsPreferredWhenTheClientTakesBoth() {
    HttpResponse<byte[]> r = get("/json", "gzip, deflate, br");
    assertEquals("br", header(r, "content-encoding"));
    assertArrayEquals(BODY, unbrotli(r.body()));
  }

  @Test
  void aStreamedBodyIsCompressedAsItPasses() {
    HttpResponse<byte[]> r = get("/stream", "br;q=0.5, gzip;q=0.9");
    assertEquals("gzip", header(r, "content-encoding"), "the higher q-value wins");
    assertArrayEquals(BODY, gunzip(r.body()));
  }

  @Test
  void qValuesStarAndExclusionsDecide() {
    assertEquals("br", header(get("/json", "*"), "content-encoding"));
    assertEquals("zstd", header(get("/json", "*;q=0.1, br;q=0"), "content-encoding"), "the route's order among equals");
    assertEquals("gzip", header(get("/json", "*;q=0.1, br;q=0, zstd;q=0"), "content-encoding"));
    HttpResponse<byte[]> none = get("/json", "br;q=0, zstd;q=0, gzip;q=0, identity");
    assertNull(header(none, "content-encoding"));
    assertEquals("Accept-Encoding", header(none, "vary"), "the answer still depends on Accept-Encoding");
    assertArrayEquals(BODY, none.body());
    assertNull(header(get("/json", null), "content-encoding"));
  }

  @Test
  void whatMustNotBeCompressedIsNot() {
    for (String path : new String[] {"/png", "/small", "/no-transform", "/range", "/empty", "/not-modified", "/off"}) {
      HttpResponse<byte[]> r = get(path, "gzip, br");
      assertNull(header(r, "content-encoding"), path + " was compressed");
    }
    assertEquals("\"v1\"", header(get("/not-modified", "gzip"), "etag"), "a 304 keeps its strong validator");
    HttpResponse<byte[]> encoded = get("/encoded", "br");
    assertEquals("gzip", header(encoded, "content-encoding"), "an encoded body is passed as it is");
    assertArrayEquals(BODY, encoded.body());
    HttpResponse<byte[]> head = send("HEAD", "/json", "gzip");
    assertNull(header(head, "content-encoding"), "HEAD");
  }

  /**
   * Nothing is buffered whole: with the upstream holding its response open after 64 KiB, the
   * client already has compressed bytes; then the rest comes and the whole decodes.
   */
  @ParameterizedTest
  @ValueSource(strings = {"gzip", "br", "zstd"})
  void aResponseStillStreamingReachesTheClientCompressedBeforeItEnds(String encoding) throws Exception {
    int half = 64 * 1024;
    AtomicReference<HttpServerResponse> held = new AtomicReference<>();
    upstream.on("/held", r -> {
      HttpServerResponse response = r.response().setChunked(true).putHeader("content-type", "application/json");
      response.write(Buffer.buffer(BODY).slice(0, half));
      held.set(response);
    });
    HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url("/held"))).timeout(Duration.ofSeconds(30))
        .header("accept-encoding", encoding).build();
    HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(encoding, header(r, "content-encoding"));
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    InputStream in = r.body();
    CompletableFuture.runAsync(() -> {
      byte[] buffer = new byte[8192];
      try {
        while (got.size() < 256) {
          int n = in.read(buffer);
          assertTrue(n > 0, "the body ended early");
          got.write(buffer, 0, n);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }).get(15, TimeUnit.SECONDS);
    assertNotNull(held.get(), "the upstream is still holding its response open");
    held.get().end(Buffer.buffer(BODY).slice(half, 2 * half));
    got.write(in.readAllBytes());
    byte[] whole = switch (encoding) {
      case "gzip" -> gunzip(got.toByteArray());
      case "br" -> unbrotli(got.toByteArray());
      default -> unzstd(got.toByteArray());
    };
    assertArrayEquals(java.util.Arrays.copyOf(BODY, 2 * half), whole);
  }

  @Test
  void aBrotliStreamIsComplete() {
    HttpResponse<byte[]> r = get("/stream", "br");
    assertEquals("br", header(r, "content-encoding"));
    assertArrayEquals(BODY, unbrotli(r.body()));
    assertTrue(r.body().length < BODY.length / 3);
  }

  @Test
  void zstdIsNegotiatedAndTheBytesComeBackWhole() {
    HttpResponse<byte[]> whole = get("/json", "zstd");
    assertEquals("zstd", header(whole, "content-encoding"));
    assertEquals("Accept-Encoding", header(whole, "vary"));
    assertTrue(whole.body().length < BODY.length / 3, "compressed to " + whole.body().length + " of " + BODY.length);
    assertArrayEquals(BODY, unzstd(whole.body()));
    HttpResponse<byte[]> streamed = get("/stream", "gzip;q=0.5, zstd");
    assertEquals("zstd", header(streamed, "content-encoding"));
    assertArrayEquals(BODY, unzstd(streamed.body()));
  }

  @Test
  void routesThatSetNoneTakeTheirListenersDefaultAndTheirOwnWins() {
    try (TestGateway two = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: zipped, port: 0, compression: { algorithms: [gzip] } }
          - { name: plain, port: 0 }
        upstreams: [{ name: u, endpoints: ["%s"] }]
        routes:
          - { name: off, match: [{ path: { prefix: /off } }], backends: [{ upstream: u }], rewrite: { prefix: /json },
              compression: { enabled: false } }
          - { name: own, match: [{ path: { prefix: /own } }], backends: [{ upstream: u }], rewrite: { prefix: /json },
              compression: { algorithms: [br] } }
          - { name: inherits, backends: [{ upstream: u }] }
        """.formatted(upstream.address()))) {
      int zipped = two.gatehouse.listenerPort("zipped");
      int plain = two.gatehouse.listenerPort("plain");
      HttpResponse<byte[]> inherited = send("GET", URI.create("http://127.0.0.1:" + zipped + "/json"), "br, gzip");
      assertEquals("gzip", header(inherited, "content-encoding"), "the listener's algorithms, not the route defaults");
      assertArrayEquals(BODY, gunzip(inherited.body()));
      assertNull(header(send("GET", URI.create("http://127.0.0.1:" + plain + "/json"), "br, gzip"), "content-encoding"),
          "a listener without a default compresses nothing");
      HttpResponse<byte[]> off = send("GET", URI.create("http://127.0.0.1:" + zipped + "/off"), "br, gzip");
      assertNull(header(off, "content-encoding"), "the route turned it off");
      assertArrayEquals(BODY, off.body());
      for (int port : new int[] {zipped, plain}) {
        HttpResponse<byte[]> own = send("GET", URI.create("http://127.0.0.1:" + port + "/own"), "br, gzip");
        assertEquals("br", header(own, "content-encoding"), "the route's own, on either listener");
        assertArrayEquals(BODY, unbrotli(own.body()));
      }
    }
  }
}
