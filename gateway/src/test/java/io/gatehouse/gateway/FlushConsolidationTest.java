package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client connections and connections to HTTP/2 upstreams consolidate their flushes (what is
 * written while other channels are read leaves together once the event loop is done with them): a
 * streamed response still reaches the client piece by piece over HTTP/1.1 and HTTP/2, a request
 * and its response still stream both ways piece by piece through an HTTP/2 upstream, and many
 * streams answered at once on one connection each get their own response, in clear text and TLS.
 */
class FlushConsolidationTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;
  static io.vertx.core.http.HttpServer h2Upstream;
  static Path dir;
  /** Completed by the client when it has the first piece of /ticks; the upstream writes the second only then. */
  static final AtomicReference<Promise<Void>> firstPieceSeen = new AtomicReference<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx).on("/ticks", req -> {
      var response = req.response().setChunked(true);
      response.write("tick 1\n");
      firstPieceSeen.get().future().onComplete(seen -> response.end(seen.succeeded() ? "tick 2\n" : "gave up\n"));
    });
    // An h2c upstream that answers each piece of a request body as it arrives, before the body ends.
    h2Upstream = Await.result(vertx.createHttpServer().requestHandler(req -> {
      var response = req.response().setChunked(true);
      req.handler(piece -> {
        if (piece.length() > 0) { // an empty DATA frame may carry the end of the stream
          response.write("got " + piece);
        }
      });
      req.endHandler(v -> response.end("got all\n"));
    }).listen(0, "127.0.0.1"));
    dir = Files.createTempDirectory("h2-flush");
    TestCerts certs = TestCerts.in(dir);
    certs.server("h2", "h2.example.com");
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: http, port: 0, protocol: HTTP }
        %s
        upstreams:
          - { name: up, endpoints: ["%s"] }
          - { name: h2up, endpoints: ["127.0.0.1:%d"], protocol: HTTP2 }
        routes:
          - { name: duplex, match: [{ path: { prefix: /duplex } }], backends: [{ upstream: h2up }] }
          - { name: r, backends: [{ upstream: up }] }
        """.formatted(certs.httpsListener("h2"), upstream.address(), h2Upstream.actualPort()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    h2Upstream.close();
    vertx.close();
  }

  private static HttpClient h2(boolean tls) {
    return client(tls, HttpVersion.HTTP_2);
  }

  private static HttpClient client(boolean tls, HttpVersion version) {
    HttpClientOptions options = new HttpClientOptions().setProtocolVersion(version);
    if (tls) {
      options.setSsl(true).setUseAlpn(version == HttpVersion.HTTP_2).setForceSni(true)
          .setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve("ca.crt").toString()));
    } else {
      options.setHttp2ClearTextUpgrade(false);
    }
    return vertx.createHttpClient(options);
  }

  private static RequestOptions to(boolean tls, String path) {
    int port = gateway.gatehouse.listenerPort(tls ? "https" : "http");
    return new RequestOptions().setHost(tls ? "h2.example.com" : "127.0.0.1").setPort(port)
        .setServer(io.vertx.core.net.SocketAddress.inetSocketAddress(port, "127.0.0.1")).setURI(path);
  }

  @ParameterizedTest(name = "{0} tls={1}")
  @org.junit.jupiter.params.provider.CsvSource({"HTTP_1_1, false", "HTTP_1_1, true", "HTTP_2, false", "HTTP_2, true"})
  void aStreamedResponseReachesTheClientPieceByPiece(HttpVersion version, boolean tls) {
    Promise<Void> seen = Promise.promise();
    firstPieceSeen.set(seen);
    long giveUp = vertx.setTimer(10_000, id -> seen.tryFail("the first piece never reached the client"));
    HttpClient client = client(tls, version);
    try {
      List<String> pieces = new CopyOnWriteArrayList<>();
      Promise<HttpVersion> ended = Promise.promise();
      // On one Vert.x context, where the client's connection lives too: driven from the test's
      // thread, Vert.x's client may deliver a piece that comes with the head before the handler
      // below is set, and drop it.
      vertx.getOrCreateContext().runOnContext(start -> client.request(to(tls, "/ticks")).compose(req -> req.send()).onComplete(ar -> {
        if (ar.failed()) {
          ended.fail(ar.cause());
          return;
        }
        var response = ar.result();
        response.handler(piece -> {
          pieces.add(piece.toString());
          seen.tryComplete(); // the upstream holds the rest of its response until this piece is here
        });
        response.exceptionHandler(ended::tryFail);
        response.endHandler(v -> ended.tryComplete(response.version()));
      }));
      assertEquals(version, Await.result(ended.future()));
      assertTrue(seen.future().succeeded(), "the first piece reached the client while the response was open");
      assertEquals("tick 1\ntick 2\n", String.join("", pieces), pieces.toString());
    } finally {
      vertx.cancelTimer(giveUp);
      client.close();
    }
  }

  /**
   * The client sends its second piece only once the upstream's answer to the first is back, so
   * this ends only if every piece is flushed on both connections without waiting for the next.
   */
  @ParameterizedTest(name = "tls={0}")
  @ValueSource(booleans = {false, true})
  void aRequestAndItsResponseStreamBothWaysThroughAnHttp2Upstream(boolean tls) {
    HttpClient client = h2(tls);
    try {
      List<String> pieces = new CopyOnWriteArrayList<>();
      Promise<Void> ended = Promise.promise();
      client.request(to(tls, "/duplex").setMethod(io.vertx.core.http.HttpMethod.POST)).onComplete(ar -> {
        if (ar.failed()) {
          ended.fail(ar.cause());
          return;
        }
        var request = ar.result().setChunked(true);
        request.response().onSuccess(response -> {
          response.handler(piece -> {
            pieces.add(piece.toString());
            if (piece.toString().contains("got piece 1")) {
              request.end("piece 2\n");
            }
          });
          response.endHandler(v -> ended.tryComplete());
          response.exceptionHandler(ended::tryFail);
        }).onFailure(ended::tryFail);
        request.write("piece 1\n");
      });
      Await.result(ended.future());
      assertEquals("got piece 1\ngot piece 2\ngot all\n", String.join("", pieces), pieces.toString());
    } finally {
      client.close();
    }
  }

  @ParameterizedTest(name = "tls={0}")
  @ValueSource(booleans = {false, true})
  void manyStreamsAnsweredAtOnceOnOneConnectionEachGetTheirOwnResponse(boolean tls) {
    HttpClient client = h2(tls);
    try {
      int streams = 64;
      List<Future<String>> bodies = new ArrayList<>();
      List<HttpConnection> connections = new CopyOnWriteArrayList<>();
      for (int i = 0; i < streams; i++) {
        bodies.add(client.request(to(tls, "/stream/" + i)).compose(req -> {
          connections.add(req.connection());
          return req.send();
        }).compose(response -> response.body().map(Buffer::toString)));
      }
      Await.result(Future.all(bodies));
      for (int i = 0; i < streams; i++) {
        String body = bodies.get(i).result();
        assertTrue(body.contains("\"uri\":\"/stream/" + i + "\""), i + ": " + body);
      }
      assertEquals(1, connections.stream().distinct().count(), "every stream on one connection");
    } finally {
      client.close();
    }
  }
}
