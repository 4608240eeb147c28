package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * gRPC-web through the gateway to a real gRPC server (grpc-java, byte-array messages): a
 * hand-framed gRPC-web client over HTTP/1.1 and h2c sends binary and {@code -text} requests (the
 * latter in pieces that split base64 groups and frames), and every body is compared byte for byte:
 * the messages the server received, and the frames and trailer frame the client got back.
 */
class GrpcWebTest {
  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
  static final MethodDescriptor<byte[], byte[]> ECHO = method("Echo", MethodDescriptor.MethodType.UNARY);
  /** Request: count and size (two ints); answers count messages of size bytes, then trailers with x-sent. */
  static final MethodDescriptor<byte[], byte[]> STREAM = method("Stream", MethodDescriptor.MethodType.SERVER_STREAMING);
  /** Fails at once: a trailers-only response. */
  static final MethodDescriptor<byte[], byte[]> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);
  /** One message, then an error status in the trailers. */
  static final MethodDescriptor<byte[], byte[]> HALF = method("Half", MethodDescriptor.MethodType.SERVER_STREAMING);
  /** Never answers. */
  static final MethodDescriptor<byte[], byte[]> SLOW = method("Slow", MethodDescriptor.MethodType.UNARY);

  static Vertx vertx;
  static Server grpc;
  static HttpServer resetting;
  static TestGateway gateway;
  static HttpClientAgent h1;
  static HttpClientAgent h2;
  static final List<byte[]> received = new CopyOnWriteArrayList<>();
  static final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
  static final AtomicInteger calls = new AtomicInteger();

  enum Client { HTTP_1_1, H2C }

  static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type).setFullMethodName("test.Echo/" + name)
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
  }

  @BeforeAll
  static void start() throws IOException {
    vertx = Vertx.vertx();
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((byte[] request, StreamObserver<byte[]> out) -> {
          received.add(request);
          out.onNext(request);
          out.onCompleted();
        }))
        .addMethod(STREAM, ServerCalls.asyncServerStreamingCall((byte[] request, StreamObserver<byte[]> out) -> {
          received.add(request);
          ByteBuffer ask = ByteBuffer.wrap(request);
          int count = ask.getInt();
          int size = ask.getInt();
          for (int i = 0; i < count; i++) {
            out.onNext(payload(i, size));
          }
          out.onCompleted();
        }))
        .addMethod(FAIL, ServerCalls.asyncUnaryCall((byte[] request, StreamObserver<byte[]> out) -> {
          received.add(request);
          out.onError(Status.INVALID_ARGUMENT.withDescription("no such wölf").asRuntimeException());
        }))
        .addMethod(HALF, ServerCalls.asyncServerStreamingCall((byte[] request, StreamObserver<byte[]> out) -> {
          received.add(request);
          out.onNext(payload(0, 10));
          out.onError(Status.RESOURCE_EXHAUSTED.withDescription("enough").asRuntimeException());
        }))
        .addMethod(SLOW, ServerCalls.asyncUnaryCall((byte[] request, StreamObserver<byte[]> out) -> received.add(request)))
        .build();
    ServerInterceptor recordHeaders = new ServerInterceptor() {
      @Override public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                   ServerCallHandler<Q, R> next) {
        calls.incrementAndGet();
        lastHeaders.clear();
        for (String key : headers.keys()) {
          if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
            lastHeaders.put(key, String.valueOf(headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER))));
          }
        }
        return next.startCall(call, headers);
      }
    };
    grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(service, recordHeaders)).build().start();
    // An h2c upstream that sends one message and then resets the stream.
    resetting = Await.result(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
            .setHttp2ClearTextEnabled(true))
        .requestHandler(req -> req.body().onSuccess(body -> {
          req.response().putHeader("content-type", "application/grpc").setChunked(true);
          req.response().write(frame(0, "one".getBytes(StandardCharsets.UTF_8)))
              .onComplete(v -> vertx.setTimer(50, t -> req.response().reset()));
        }))
        .listen());
    gateway = TestGateway.start("""
        upstreams:
          - { name: grpc, endpoints: ["127.0.0.1:%d"], protocol: HTTP2 }
          - { name: resetting, endpoints: ["127.0.0.1:%d"], protocol: HTTP2 }
        routes:
          - name: reset
            match: [{ path: { prefix: /test.Reset/ } }]
            backends: [{ upstream: resetting }]
          - name: slow
            match: [{ path: { exact: /test.Echo/Slow } }]
            backends: [{ upstream: grpc }]
            timeout: 500ms
          - name: passthrough
            match: [{ path: { prefix: /raw/ } }]
            rewrite: { prefix: /test.Echo/ }
            backends: [{ upstream: grpc }]
            grpcWeb: false
          - name: grpc
            backends: [{ upstream: grpc }]
            cors: { allowOrigins: ["https://app.example"], allowMethods: [POST], allowHeaders: [x-custom], exposeHeaders: [x-sent] }
        """.formatted(grpc.getPort(), resetting.actualPort()));
    h1 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1));
    h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    gateway.close();
    grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    vertx.close();
  }

  @BeforeEach
  void clear() {
    received.clear();
  }

  static byte[] payload(int index, int size) {
    byte[] out = new byte[size];
    for (int i = 0; i < size; i++) {
      out[i] = (byte) (index * 31 + i * 7 + (i >> 8));
    }
    return out;
  }

  static Buffer frame(int flags, byte[] message) {
    return Buffer.buffer().appendByte((byte) flags).appendInt(message.length).appendBytes(message);
  }

  static Buffer trailerFrame(String block) {
    return frame(0x80, block.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] ask(int count, int size) {
    return ByteBuffer.allocate(8).putInt(count).putInt(size).array();
  }

  /** What a gRPC-web client got: status, head and the raw body. */
  record Answer(int status, MultiMap headers, Buffer body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  /** A POST of {@code pieces}, each written on its own after the previous one was flushed. */
  static Answer call(Client client, String path, MultiMap headers, List<Buffer> pieces) {
    HttpClientAgent agent = client == Client.H2C ? h2 : h1;
    Future<Answer> answer = agent.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
            .setPort(gateway.port()).setURI(path).setHeaders(headers))
        .compose(req -> {
          req.setChunked(true);
          Future<Answer> response = req.response().compose(r -> r.body().map(b -> new Answer(r.statusCode(), r.headers(), b)));
          writeInTurns(req, pieces, 0);
          return response;
        });
    return Await.result(answer);
  }

  private static void writeInTurns(HttpClientRequest req, List<Buffer> pieces, int next) {
    if (next == pieces.size()) {
      req.end();
      return;
    }
    req.write(pieces.get(next)).onComplete(v -> vertx.setTimer(5, t -> writeInTurns(req, pieces, next + 1)));
  }

  static MultiMap grpcWeb(String contentType) {
    return MultiMap.caseInsensitiveMultiMap().add("content-type", contentType).add("x-grpc-web", "1")
        .add("x-user-agent", "grpc-web-javascript/0.1");
  }

  @ParameterizedTest
  @EnumSource(Client.class)
  void aUnaryCallIsTranslatedBothWays(Client client) {
    byte[] message = "hello, gRPC".getBytes(StandardCharsets.UTF_8);
    Answer answer = call(client, "/test.Echo/Echo", grpcWeb("application/grpc-web+proto"), List.of(frame(0, message)));
    assertEquals(200, answer.status());
    assertEquals("application/grpc-web+proto", answer.header("content-type"));
    assertNull(answer.header("grpc-status"), "the status is in the body");
    assertEquals(frame(0, message).appendBuffer(trailerFrame("grpc-status:0\r\n")), answer.body());
    assertEquals(1, received.size());
    assertArrayEquals(message, received.get(0), "the upstream got the message as sent");
    assertEquals("identity", lastHeaders.get("grpc-accept-encoding"));
    assertEquals("grpc-web-javascript/0.1", lastHeaders.get("x-user-agent"));
  }

  @ParameterizedTest
  @EnumSource(Client.class)
  void aServerStreamComesBackFrameByFrameWithItsTrailers(Client client) {
    Answer answer = call(client, "/test.Echo/Stream", grpcWeb("application/grpc-web"), List.of(frame(0, ask(5, 300))));
    Buffer expected = Buffer.buffer();
    for (int i = 0; i < 5; i++) {
      expected.appendBuffer(frame(0, payload(i, 300)));
    }
    expected.appendBuffer(trailerFrame("grpc-status:0\r\n"));
    assertEquals(expected, answer.body());
  }

  @Test
  void aLargeMessageCrossesChunkBoundariesWhole() {
    byte[] big = payload(7, 1_500_000);
    Buffer body = frame(0, big);
    List<Buffer> pieces = new ArrayList<>();
    for (int at = 0; at < body.length(); at += 65_537) {
      pieces.add(body.slice(at, Math.min(body.length(), at + 65_537)));
    }
    Answer answer = call(Client.HTTP_1_1, "/test.Echo/Echo", grpcWeb("application/grpc-web+proto"), pieces);
    assertArrayEquals(big, received.get(0));
    assertEquals(body.copy().appendBuffer(trailerFrame("grpc-status:0\r\n")), answer.body());
  }

  @ParameterizedTest
  @EnumSource(Client.class)
  void textRequestsInOddPiecesAreDecodedAndTheAnswerIsBase64PerFrame(Client client) {
    byte[] request = ask(3, 1001);  // frames of 1006 bytes: not a multiple of 3, so each run ends padded
    String base64 = Base64.getEncoder().encodeToString(frame(0, request).getBytes());
    // Pieces of 1, 2, 3, 5 and the rest characters: none aligned to base64's groups of 4 or to the frame.
    List<Buffer> pieces = List.of(Buffer.buffer(base64.substring(0, 1)), Buffer.buffer(base64.substring(1, 3)),
        Buffer.buffer(base64.substring(3, 6)), Buffer.buffer(base64.substring(6, 11)), Buffer.buffer(base64.substring(11)));
    Answer answer = call(client, "/test.Echo/Stream", grpcWeb("application/grpc-web-text")
        .add("accept", "application/grpc-web-text"), pieces);
    assertArrayEquals(request, received.get(0));
    assertEquals("application/grpc-web-text+proto", answer.header("content-type"));
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      expected.append(Base64.getEncoder().encodeToString(frame(0, payload(i, 1001)).getBytes()));
    }
    expected.append(Base64.getEncoder().encodeToString(trailerFrame("grpc-status:0\r\n").getBytes()));
    assertEquals(expected.toString(), answer.body().toString(StandardCharsets.US_ASCII),
        "each frame base64 on its own, padding at its end (as Envoy writes it)");
  }

  @Test
  void aTextRequestOfSeveralPaddedRunsIsDecodedRunByRun() {
    byte[] message = "ab".getBytes(StandardCharsets.UTF_8);
    Buffer framed = frame(0, message);
    // The 5-byte header and the 2-byte message as two padded runs ("AAAAAAI=" + "YWI="), as clients that encode per write send.
    String text = Base64.getEncoder().encodeToString(framed.getBytes(0, 5)) + Base64.getEncoder().encodeToString(message);
    Answer answer = call(Client.HTTP_1_1, "/test.Echo/Echo", grpcWeb("application/grpc-web-text+proto"),
        List.of(Buffer.buffer(text)));
    assertArrayEquals(message, received.get(0));
    assertEquals("application/grpc-web-text+proto", answer.header("content-type"), "text in, text out without an accept");
    assertEquals(Base64.getEncoder().encodeToString(framed.getBytes())
        + Base64.getEncoder().encodeToString(trailerFrame("grpc-status:0\r\n").getBytes()), answer.body().toString());
  }

  @Test
  void aTrailersOnlyErrorKeepsItsStatusInTheHead() {
    Answer answer = call(Client.HTTP_1_1, "/test.Echo/Fail", grpcWeb("application/grpc-web+proto"), List.of(frame(0, new byte[0])));
    assertEquals(200, answer.status());
    assertEquals("3", answer.header("grpc-status"));
    assertEquals("no such w%C3%B6lf", answer.header("grpc-message"));
    assertEquals("application/grpc-web+proto", answer.header("content-type"));
    assertEquals(0, answer.body().length());
  }

  @Test
  void anErrorAfterAMessageIsInTheTrailerFrame() {
    Answer answer = call(Client.H2C, "/test.Echo/Half", grpcWeb("application/grpc-web+proto"), List.of(frame(0, new byte[0])));
    assertEquals(frame(0, payload(0, 10)).appendBuffer(trailerFrame("grpc-status:8\r\ngrpc-message:enough\r\n")), answer.body());
  }

  @Test
  void anUpstreamResetMidStreamEndsWithUnavailableInTheTrailerFrame() {
    Answer answer = call(Client.HTTP_1_1, "/test.Reset/Call", grpcWeb("application/grpc-web+proto"), List.of(frame(0, new byte[0])));
    assertEquals(200, answer.status());
    assertEquals(frame(0, "one".getBytes(StandardCharsets.UTF_8)).appendBuffer(trailerFrame(
        "grpc-status:14\r\ngrpc-message:the upstream closed the connection mid-response\r\n")), answer.body());
  }

  @Test
  void aTimeoutBeforeTheHeadIsDeadlineExceededInATrailerFrame() {
    Answer answer = call(Client.H2C, "/test.Echo/Slow", grpcWeb("application/grpc-web-text"), List.of(
        Buffer.buffer(Base64.getEncoder().encodeToString(frame(0, new byte[] {1}).getBytes()))));
    assertEquals(200, answer.status());
    assertEquals("upstream_response_timeout", answer.header("x-gatehouse-reason"));
    assertEquals("application/grpc-web-text+proto", answer.header("content-type"));
    assertEquals(Base64.getEncoder().encodeToString(trailerFrame(
        "grpc-status:4\r\ngrpc-message:the upstream did not answer in time\r\n").getBytes()), answer.body().toString());
  }

  @Test
  void hostileBodiesGetAGrpcWebErrorAndNeverAWholeCall() {
    Map<String, Answer> answers = new java.util.LinkedHashMap<>();
    int before = calls.get();
    answers.put("truncated frame", call(Client.HTTP_1_1, "/test.Echo/Echo", grpcWeb("application/grpc-web+proto"),
        List.of(frame(0, new byte[100]).slice(0, 60))));
    answers.put("oversized length prefix", call(Client.H2C, "/test.Echo/Echo", grpcWeb("application/grpc-web+proto"),
        List.of(Buffer.buffer().appendByte((byte) 0).appendInt(Integer.MAX_VALUE).appendString("x"))));
    answers.put("bad base64", call(Client.HTTP_1_1, "/test.Echo/Echo", grpcWeb("application/grpc-web-text"),
        List.of(Buffer.buffer("AAAA*AAB"))));
    answers.put("base64 cut short", call(Client.HTTP_1_1, "/test.Echo/Echo", grpcWeb("application/grpc-web-text"),
        List.of(Buffer.buffer("AAAAAAE"))));
    answers.put("trailer flag in a request", call(Client.HTTP_1_1, "/test.Echo/Echo", grpcWeb("application/grpc-web"),
        List.of(frame(0x80, new byte[1]))));
    answers.forEach((what, answer) -> {
      assertEquals(400, answer.status(), what);
      assertEquals("grpc_web_malformed_request", answer.header("x-gatehouse-reason"), what);
      assertEquals("13", answer.header("grpc-status"), what);
      String block = "grpc-status:13\r\ngrpc-message:the gRPC-web request body is malformed\r\n";
      Buffer expected = answer.header("content-type").contains("text")
          ? Buffer.buffer(Base64.getEncoder().encodeToString(trailerFrame(block).getBytes())) : trailerFrame(block);
      assertEquals(expected, answer.body(), what);
    });
    assertTrue(received.isEmpty(), "no hostile body reached a method: " + received.size());
    assertTrue(calls.get() - before <= answers.size(), "calls the server saw start (each reset before its end)");
    byte[] fine = "still serving".getBytes(StandardCharsets.UTF_8);
    assertEquals(frame(0, fine).appendBuffer(trailerFrame("grpc-status:0\r\n")),
        call(Client.HTTP_1_1, "/test.Echo/Echo", grpcWeb("application/grpc-web"), List.of(frame(0, fine))).body());
  }

  @Test
  void aRouteWithGrpcWebOffPassesTheRequestAsItIs() {
    Answer answer = call(Client.HTTP_1_1, "/raw/Echo", grpcWeb("application/grpc-web+proto"), List.of(frame(0, new byte[] {1})));
    // grpc-java does not speak gRPC-web: it refuses the content type, untranslated.
    assertTrue(received.isEmpty());
    assertEquals(415, answer.status(), answer.toString());
  }

  @Test
  void corsPreflightsAllowAndResponsesExposeTheGrpcWebHeaders() {
    MultiMap preflight = MultiMap.caseInsensitiveMultiMap().add("origin", "https://app.example")
        .add("access-control-request-method", "POST").add("access-control-request-headers", "content-type,x-grpc-web,x-user-agent");
    Answer options = Await.result(h1.request(new RequestOptions().setMethod(HttpMethod.OPTIONS).setHost("127.0.0.1")
            .setPort(gateway.port()).setURI("/test.Echo/Echo").setHeaders(preflight))
        .compose(req -> req.send().compose(r -> r.body().map(b -> new Answer(r.statusCode(), r.headers(), b)))));
    assertEquals(204, options.status());
    assertEquals("https://app.example", options.header("access-control-allow-origin"));
    assertEquals("x-custom, content-type, x-grpc-web, x-user-agent, grpc-timeout", options.header("access-control-allow-headers"));
    assertEquals(0, received.size(), "a preflight is never forwarded");
    Answer call = call(Client.HTTP_1_1, "/test.Echo/Echo", grpcWeb("application/grpc-web").add("origin", "https://app.example"),
        List.of(frame(0, new byte[] {9})));
    assertEquals("x-sent, grpc-status, grpc-message", call.header("access-control-expose-headers"));
  }
}
