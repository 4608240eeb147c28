package io.gatehouse.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * An OpenTelemetry collector's trace endpoint on a loopback port: OTLP/HTTP with protobuf bodies
 * ({@code POST /v1/traces}) and OTLP/gRPC ({@code TraceService/Export} over h2c), both decoded with
 * the opentelemetry-proto classes into the spans the gateway exported. It can be told to stall
 * (accept and never answer), as a slow collector does.
 */
final class OtlpReceiver implements AutoCloseable {
  static final String GRPC_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

  /** One exported span, with ids in hex and its attributes as text. */
  record Received(String traceId, String spanId, String parentSpanId, String name, Span.SpanKind kind,
                  Map<String, String> attributes, String service, String protocol) {
    String attribute(String key) {
      return attributes.get(key);
    }
  }

  private final HttpServer server;
  private final List<Received> spans = new CopyOnWriteArrayList<>();
  private final AtomicBoolean stall = new AtomicBoolean();
  private final List<HttpServerRequest> held = new CopyOnWriteArrayList<>();

  private OtlpReceiver(Vertx vertx) {
    server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true)).requestHandler(this::handle);
    Await.result(server.listen(0, "127.0.0.1"));
  }

  static OtlpReceiver start(Vertx vertx) {
    return new OtlpReceiver(vertx);
  }

  int port() {
    return server.actualPort();
  }

  String url() {
    return "http://127.0.0.1:" + port();
  }

  List<Received> spans() {
    return List.copyOf(spans);
  }

  /** From now on, requests are read and never answered. */
  void stall() {
    stall.set(true);
  }

  private void handle(HttpServerRequest request) {
    boolean grpc = request.path().equals(GRPC_PATH);
    if (!grpc && !request.path().equals("/v1/traces")) {
      request.response().setStatusCode(404).end();
      return;
    }
    request.body().onSuccess(body -> {
      if (stall.get()) {
        held.add(request);
        return;
      }
      try {
        // gRPC frames the message: 1 byte compressed flag, 4 bytes length.
        Buffer message = grpc ? body.slice(5, 5 + body.getInt(1)) : body;
        record(ExportTraceServiceRequest.parseFrom(message.getBytes()), grpc ? "grpc" : "http/protobuf");
      } catch (InvalidProtocolBufferException e) {
        request.response().setStatusCode(400).end(e.toString());
        return;
      }
      if (grpc) {
        request.response().putHeader("content-type", "application/grpc")
            .putTrailer("grpc-status", "0")
            .end(Buffer.buffer(new byte[] {0, 0, 0, 0, 0}));
      } else {
        request.response().putHeader("content-type", "application/x-protobuf").end(Buffer.buffer());
      }
    });
  }

  private void record(ExportTraceServiceRequest export, String protocol) {
    HexFormat hex = HexFormat.of();
    export.getResourceSpansList().forEach(rs -> {
      String service = rs.getResource().getAttributesList().stream().filter(a -> a.getKey().equals("service.name"))
          .map(a -> text(a.getValue())).findFirst().orElse("");
      rs.getScopeSpansList().forEach(ss -> ss.getSpansList().forEach(s -> spans.add(new Received(
          hex.formatHex(s.getTraceId().toByteArray()), hex.formatHex(s.getSpanId().toByteArray()),
          hex.formatHex(s.getParentSpanId().toByteArray()), s.getName(), s.getKind(),
          s.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey, a -> text(a.getValue()))),
          service, protocol))));
    });
  }

  private static String text(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case INT_VALUE -> Long.toString(value.getIntValue());
      case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
      case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
      default -> value.toString();
    };
  }

  @Override public void close() {
    held.forEach(r -> r.connection().close());
    server.close();
  }
}
