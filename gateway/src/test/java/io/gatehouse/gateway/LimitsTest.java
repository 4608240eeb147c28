package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import java.net.http.HttpRequest;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Listener limits (head sizes, slow heads, connections, HTTP/2 streams) and the per-route body size. */
class LimitsTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - name: http
            port: 0
            limits: { maxHeaderSize: 4KiB, maxUriLength: 1KiB, headerReadTimeout: 1s, http2MaxConcurrentStreams: 7 }
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes:
          - { name: small, match: [{ path: { prefix: /small } }], backends: [{ upstream: up }], maxBodySize: 1KiB }
          - { name: any, backends: [{ upstream: up }] }
        """.formatted(upstream.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  @Test
  void declaredBodyOverTheLimitGets413WithoutReachingTheUpstream() {
    int before = upstream.requests().size();
    var r = gateway.send(gateway.request("/small/upload", Map.of())
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[2048])).build());
    assertEquals(413, r.status());
    assertEquals("request_payload_too_large", r.header("x-gatehouse-reason"));
    assertTrue(r.body().contains("\"reason\":\"request_payload_too_large\""), r.body());
    assertEquals(before, upstream.requests().size(), "the upstream must not see the request");
    var ok = gateway.send(gateway.request("/small/upload", Map.of())
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])).build());
    assertEquals(200, ok.status());
  }

  @Test
  void chunkedBodyIsCutOffWhenItPassesTheLimit() {
    // No Content-Length: the JDK client sends chunks; the limit is enforced while streaming.
    Iterator<byte[]> chunks = IntStream.range(0, 64).mapToObj(i -> new byte[512]).iterator();
    var r = gateway.send(gateway.request("/small/stream", Map.of())
        .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
            () -> new java.io.SequenceInputStream(new java.util.Enumeration<java.io.InputStream>() {
              @Override public boolean hasMoreElements() {
                return chunks.hasNext();
              }

              @Override public java.io.InputStream nextElement() {
                return new java.io.ByteArrayInputStream(chunks.next());
              }
            })))).build());
    assertEquals(413, r.status());
    assertEquals("request_payload_too_large", r.header("x-gatehouse-reason"));
    assertTrue(gateway.gatehouse.metrics().scrape().contains("gatehouse_limit_rejected_total{limit=\"body_size\",listener=\"\",route=\"small\"}"));
  }

  @Test
  void otherRoutesHaveNoBodyLimit() {
    var r = gateway.send(gateway.request("/big", Map.of()).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[64 * 1024])).build());
    assertEquals(200, r.status());
  }

  @Test
  void oversizedHeadersGet431AndALongUriGets414() {
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      String answer = raw.send("GET / HTTP/1.1\r\nHost: a\r\nx-big: " + "a".repeat(5000) + "\r\n\r\n").readUntilClosed();
      assertTrue(answer.startsWith("HTTP/1.1 431 "), answer);
      assertTrue(answer.contains("x-gatehouse-reason: request_headers_too_large"), answer);
      assertTrue(answer.contains("\"reason\":\"request_headers_too_large\""), answer);
    }
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      String answer = raw.send("GET /" + "a".repeat(2000) + " HTTP/1.1\r\nHost: a\r\n\r\n").readUntilClosed();
      assertTrue(answer.startsWith("HTTP/1.0 414 "), answer);  // Netty could not read the version
      assertTrue(answer.contains("x-gatehouse-reason: uri_too_long"), answer);
    }
    String metrics = gateway.gatehouse.metrics().scrape();
    assertTrue(metrics.contains("gatehouse_limit_rejected_total{limit=\"header_size\",listener=\"http\",route=\"\"}"), metrics);
    assertTrue(metrics.contains("gatehouse_limit_rejected_total{limit=\"uri_length\",listener=\"http\",route=\"\"}"), metrics);
  }

  @Test
  void aClientTricklingItsHeadIsCutOff() {
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      // Clear-text connections are handed over (and timed) from their first request on.
      raw.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n");
      assertTrue(raw.readResponse().startsWith("HTTP/1.1 200"));
      long start = System.nanoTime();
      raw.send("GET / HTTP/1.1\r\nHost: a\r\n");
      // One header line every 200 ms: never idle, never done. The 1 s head timeout must end it: 408, then close.
      String answer = null;
      for (int i = 0; i < 25 && answer == null; i++) {
        try {
          raw.send("x-slow-" + i + ": 1\r\n");
        } catch (java.io.UncheckedIOException e) {
          answer = "";
          break;
        }
        answer = raw.answerWithin(200);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertTrue(answer != null, "the connection should have been closed");
      assertTrue(answer.startsWith("HTTP/1.1 408 ") && answer.contains("x-gatehouse-reason: request_header_timeout")
          && answer.contains("\"reason\":\"request_header_timeout\""), answer);
      assertTrue(seconds >= 0.9 && seconds < 4, "closed after " + seconds + "s");
    }
    assertTrue(gateway.gatehouse.metrics().scrape().contains("gatehouse_limit_rejected_total{limit=\"header_timeout\",listener=\"http\",route=\"\"}"));
    // A fast client on a fresh connection is unaffected.
    assertEquals(200, gateway.get("/fast").status());
  }

  @Test
  void keepAliveRequestsAreNotCutByTheHeadTimeout() {
    try (RawTcp raw = RawTcp.connect(gateway.port())) {
      for (int i = 0; i < 3; i++) {
        raw.send("GET /k" + i + " HTTP/1.1\r\nHost: a\r\n\r\n");
        String response = raw.readResponse();
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        // Idle between requests for longer than the head timeout: that is the idle timeout's business.
        assertTrue(!raw.closedWithin(1_500), "an idle keep-alive connection was closed by the head timeout");
      }
    }
  }

  @Test
  void connectionsOverTheListenerLimitAreClosed() {
    try (TestGateway small = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: http, port: 0, limits: { maxConnections: 2 } }]
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes: [{ name: any, backends: [{ upstream: up }] }]
        """.formatted(upstream.address()))) {
      RawTcp[] held = new RawTcp[2];
      try {
        for (int i = 0; i < held.length; i++) {
          held[i] = RawTcp.connect(small.port());
          held[i].send("GET /hold HTTP/1.1\r\nHost: a\r\n\r\n");
          assertTrue(held[i].readResponse().startsWith("HTTP/1.1 200"));
        }
        try (RawTcp extra = RawTcp.connect(small.port())) {
          // Closed as it is accepted: the request may not even be written before the close arrives.
          try {
            extra.send("GET /extra HTTP/1.1\r\nHost: a\r\n\r\n");
          } catch (java.io.UncheckedIOException closedAlready) {
            // the gateway closed it first
          }
          assertTrue(extra.closedWithin(5_000), "the third connection should be closed without an answer");
        }
      } finally {
        for (RawTcp h : held) {
          if (h != null) {
            h.close();
          }
        }
      }
      Await.until("a connection is accepted again", 5, () -> {
        try {
          return small.get("/again").status() == 200;
        } catch (RuntimeException e) {
          return false;
        }
      });
      assertTrue(small.gatehouse.metrics().scrape().contains(
          "gatehouse_limit_rejected_total{limit=\"connections\",listener=\"http\",route=\"\"}"));
    }
  }

  @Test
  void http2ClientsAreToldTheStreamLimit() {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    try {
      var response = Await.result(client.request(io.vertx.core.http.HttpMethod.GET, gateway.port(), "127.0.0.1", "/h2")
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp))));
      assertEquals(200, response.statusCode());
      assertEquals(HttpVersion.HTTP_2, response.version());
      HttpConnection connection = response.request().connection();
      assertEquals(7, ((io.vertx.core.http.Http2Settings) connection.remoteSettings()).getMaxConcurrentStreams());
    } finally {
      client.close();
    }
  }

  @Test
  void idleConnectionsAreClosedAfterTheIdleTimeout() {
    try (TestGateway idle = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: http, port: 0, limits: { idleTimeout: 1s } }]
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes: [{ name: any, backends: [{ upstream: up }] }]
        """.formatted(upstream.address()));
         RawTcp raw = RawTcp.connect(idle.port())) {
      raw.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
      assertTrue(raw.readResponse().startsWith("HTTP/1.1 200"));
      long start = System.nanoTime();
      assertTrue(raw.closedWithin(5_000), "an idle connection should be closed");
      double seconds = (System.nanoTime() - start) / 1e9;
      assertTrue(seconds >= 0.8, "closed after " + seconds + "s");
    }
  }

  @Test
  void http2RapidResetFloodClosesTheConnection() {
    try (TestGateway guarded = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners: [{ name: http, port: 0, limits: { http2MaxResets: 20, http2ResetWindow: 30s } }]
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes: [{ name: any, backends: [{ upstream: up }] }]
        """.formatted(upstream.address()))) {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
          .setHttp2ClearTextUpgrade(false));
      try {
        HttpConnection connection = Await.result(client.request(io.vertx.core.http.HttpMethod.GET, guarded.port(), "127.0.0.1", "/first")
            .compose(req -> req.send().compose(resp -> resp.body().map(b -> req.connection()))));
        io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
        connection.closeHandler(v -> closed.tryComplete());
        for (int i = 0; i < 100 && !closed.future().isComplete(); i++) {
          // HEADERS then RST_STREAM at once: the CVE-2023-44487 pattern.
          client.request(io.vertx.core.http.HttpMethod.GET, guarded.port(), "127.0.0.1", "/r" + i)
              .onSuccess(req -> req.writeHead().onComplete(ar -> req.reset()));
        }
        Await.result(closed.future());
      } finally {
        client.close();
      }
    }
  }

  @Test
  void overTlsEvenTheFirstHeadIsTimed() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("limits-tls");
    io.gatehouse.certs.CertFactory certs = io.gatehouse.certs.CertFactory.ecdsa();
    io.gatehouse.certs.IssuedCert ca = certs.ca("Test CA", java.time.Duration.ofDays(1))
        .write(dir.resolve("ca.crt"), dir.resolve("ca.key"), io.gatehouse.certs.KeyFormat.PKCS8);
    certs.server(ca, java.time.Duration.ofDays(1), "localhost")
        .write(dir.resolve("tls.crt"), dir.resolve("tls.key"), io.gatehouse.certs.KeyFormat.PKCS8);
    try (TestGateway tls = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - name: https
            port: 0
            protocol: HTTPS
            tls: { certificates: [{ cert: "%1$s/tls.crt", key: "%1$s/tls.key" }] }
            limits: { headerReadTimeout: 1s }
        upstreams: [{ name: up, endpoints: ["%2$s"] }]
        routes: [{ name: any, backends: [{ upstream: up }] }]
        """.formatted(dir, upstream.address()))) {
      java.security.KeyStore trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
      trust.load(null, null);
      try (var in = java.nio.file.Files.newInputStream(dir.resolve("ca.crt"))) {
        trust.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory()
          .createSocket("localhost", tls.gatehouse.listenerPort("https"))) {
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        long start = System.nanoTime();
        var out = socket.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: localhost\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.flush();
        boolean closed = false;
        String answer = "";
        socket.setSoTimeout(200);
        for (int i = 0; i < 25 && !closed; i++) {
          try {
            out.write(("x-slow-" + i + ": 1\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            int first = socket.getInputStream().read();
            socket.setSoTimeout(5_000);
            answer = first < 0 ? "" : (char) first + new String(socket.getInputStream().readAllBytes(),
                java.nio.charset.StandardCharsets.ISO_8859_1);
            closed = true;
          } catch (java.net.SocketTimeoutException e) {
            // still open: trickle on
          } catch (java.io.IOException e) {
            closed = true;
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(closed, "the TLS connection should have been closed");
        // The 408 is written inside TLS (the timer sits after the TLS handler).
        assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
        assertTrue(seconds >= 0.9 && seconds < 4, "closed after " + seconds + "s");
      }
    }
  }
}
