package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * gRPC end to end: a client on h2 (ALPN over TLS) through the router to an upstream spoken to
 * with h2c ({@code protocol: HTTP2}); {@code te: trailers} goes upstream, and the response's
 * trailers ({@code grpc-status}, {@code grpc-message}) come back to the client.
 */
class GrpcTest {
  static Vertx vertx;
  static HttpServer grpcServer;
  static TestGateway gateway;
  static TestCerts certs;
  static final Map<String, String> seen = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    grpcServer = Await.result(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
            .setHttp2ClearTextEnabled(true))
        .requestHandler(req -> req.body().onSuccess(body -> {
          seen.put("version", req.version().name());
          seen.put("te", String.valueOf(req.getHeader("te")));
          seen.put("path", req.path());
          req.response().putHeader("content-type", "application/grpc");
          req.response().trailers().set("grpc-status", "0").set("grpc-message", "served");
          req.response().end(body);
        }))
        .listen());
    certs = TestCerts.in(Files.createTempDirectory("grpc-test"));
    certs.server("tls", "grpc.example.com");
    gateway = TestGateway.startRaw("admin: { port: 0 }\nlisteners:\n" + certs.httpsListener("tls") + """
        upstreams: [{ name: greeter, endpoints: ["127.0.0.1:%d"], protocol: HTTP2 }]
        routes: [{ name: grpc, match: [{ headers: { content-type: { prefix: application/grpc } } }], backends: [{ upstream: greeter }] }]
        """.formatted(grpcServer.actualPort()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    vertx.close();
  }

  @Test
  void aGrpcCallGetsItsTrailersThroughHttp2EndToEnd() {
    HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setUseAlpn(true).setForceSni(true)
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setTrustOptions(new PemTrustOptions().addCertPath(certs.caCert().toString())));
    Buffer message = Buffer.buffer().appendByte((byte) 0).appendInt(5).appendString("hello"); // gRPC framing
    var result = Await.result(client.request(new RequestOptions().setMethod(HttpMethod.POST)
            .setServer(SocketAddress.inetSocketAddress(gateway.gatehouse.listenerPort("https"), "127.0.0.1"))
            .setHost("grpc.example.com").setPort(gateway.gatehouse.listenerPort("https")).setURI("/helloworld.Greeter/SayHello")
            .putHeader("content-type", "application/grpc").putHeader("te", "trailers"))
        .compose(req -> req.send(message).compose(resp -> resp.body().map(body -> Map.of(
            "version", resp.version().name(),
            "status", String.valueOf(resp.statusCode()),
            "body", body.getString(5, body.length()),
            "grpc-status", String.valueOf(resp.trailers().get("grpc-status")),
            "grpc-message", String.valueOf(resp.trailers().get("grpc-message")))))));
    client.close();
    assertEquals("HTTP_2", result.get("version"));
    assertEquals("200", result.get("status"));
    assertEquals("hello", result.get("body"));
    assertEquals("0", result.get("grpc-status"));
    assertEquals("served", result.get("grpc-message"));
    assertEquals("HTTP_2", seen.get("version"), "the upstream was spoken to in HTTP/2");
    assertEquals("trailers", seen.get("te"));
    assertEquals("/helloworld.Greeter/SayHello", seen.get("path"));
  }
}
