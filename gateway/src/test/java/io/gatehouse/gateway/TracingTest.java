package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Traces cross the gateway unbroken: the client's context (W3C or B3) is the server span's
 * parent, each upstream try is a client span under it, each try's context goes upstream; the
 * spans reach a real OTLP receiver (HTTP and gRPC), sampling follows the parent, then the route's
 * ratio, and a collector that stalls costs dropped spans, counted, never a slower request.
 */
class TracingTest {
  static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CLIENT_SPAN = "00f067aa0ba902b7";

  Vertx vertx;
  EchoUpstream upstream;
  OtlpReceiver collector;
  TestGateway gateway;
  final AtomicInteger flaky = new AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    upstream.on("/flaky", r -> r.response().setStatusCode(flaky.getAndIncrement() == 0 ? 503 : 200).end("ok"));
    collector = OtlpReceiver.start(vertx);
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    collector.close();
    upstream.close();
    vertx.close();
  }

  String config(String tracing) {
    return """
        telemetry:
          tracing: %s
        upstreams: [{ name: echo, endpoints: ["%s"] }]
        routes:
          - { name: traced, hosts: [traced.test], backends: [{ upstream: echo }], retries: { attempts: 2, on: ["503"] },
              tracing: { sampling: 100 } }
          - { name: quiet, hosts: [quiet.test], backends: [{ upstream: echo }] }
        """.formatted(tracing, upstream.address());
  }

  List<OtlpReceiver.Received> awaitSpans(String traceId, int count) {
    Await.until(count + " spans of trace " + traceId, 10,
        () -> collector.spans().stream().filter(s -> s.traceId().equals(traceId)).count() >= count);
    return collector.spans().stream().filter(s -> s.traceId().equals(traceId)).toList();
  }

  @Test
  void aRetriedRequestIsOneServerSpanWithAClientSpanPerTry() {
    gateway = TestGateway.start(config("{ endpoint: \"" + collector.url() + "\", protocol: HTTP, sampling: 0 }"));
    TestGateway.TestResponse r = gateway.get("/flaky", Map.of("host", "traced.test",
        "traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01", "tracestate", "vendor=x"));
    assertEquals(200, r.status());
    assertEquals("2", r.header("x-gatehouse-attempts"));

    List<OtlpReceiver.Received> spans = awaitSpans(CLIENT_TRACE, 3);
    assertEquals(3, spans.size(), spans.toString());
    OtlpReceiver.Received server = spans.stream().filter(s -> s.kind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();
    assertEquals(CLIENT_SPAN, server.parentSpanId(), "the client's span is the server span's parent");
    assertEquals("GET", server.name());
    assertEquals("traced", server.attribute("gatehouse.route"));
    assertEquals("200", server.attribute("http.response.status_code"));
    assertEquals("/flaky", server.attribute("url.path"));
    assertEquals("gatehouse", server.service());
    assertEquals("http/protobuf", server.protocol());

    List<OtlpReceiver.Received> tries = spans.stream().filter(s -> s.kind() == Span.SpanKind.SPAN_KIND_CLIENT)
        .sorted(Comparator.comparing(s -> s.attributes().getOrDefault("http.request.resend_count", "0"))).toList();
    assertEquals(2, tries.size(), spans.toString());
    tries.forEach(t -> assertEquals(server.spanId(), t.parentSpanId(), "each try is a child of the server span"));
    assertEquals("503", tries.get(0).attribute("http.response.status_code"));
    assertEquals("503", tries.get(0).attribute("error.type"));
    assertEquals("200", tries.get(1).attribute("http.response.status_code"));
    assertEquals("1", tries.get(1).attribute("http.request.resend_count"));
    assertEquals("echo", tries.get(1).attribute("gatehouse.upstream"));
    assertEquals(upstream.address(), tries.get(1).attribute("gatehouse.endpoint"));

    List<String> sent = upstream.requests().stream().map(q -> q.headers().get("traceparent")).toList();
    assertEquals(List.of("00-" + CLIENT_TRACE + "-" + tries.get(0).spanId() + "-01",
        "00-" + CLIENT_TRACE + "-" + tries.get(1).spanId() + "-01"), sent, "each try carries its own span as parent");
    assertEquals("vendor=x", upstream.lastRequest().headers().get("tracestate"));

    Await.until("logged", 5, () -> gateway.accessLog().contains("/flaky"));
    JsonObject line = new JsonObject(gateway.accessLog().lines().filter(l -> l.contains("/flaky")).findFirst().orElseThrow());
    assertEquals(CLIENT_TRACE, line.getString("traceId"));
  }

  @Test
  void b3ContextContinuesAndGoesOutInEveryConfiguredFormatOverGrpc() {
    gateway = TestGateway.start(config("{ endpoint: \"" + collector.url() + "\", protocol: GRPC, sampling: 0,"
        + " propagation: [B3, B3_MULTI, W3C] }"));
    String trace = "463ac35c9f6413ad48485a3953bb6124";
    assertEquals(200, gateway.get("/b3", Map.of("host", "quiet.test", "b3", trace + "-a2fb4a1d1a96d312-1")).status());
    List<OtlpReceiver.Received> spans = awaitSpans(trace, 2);
    OtlpReceiver.Received server = spans.stream().filter(s -> s.kind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();
    OtlpReceiver.Received client = spans.stream().filter(s -> s.kind() == Span.SpanKind.SPAN_KIND_CLIENT).findFirst().orElseThrow();
    assertEquals("a2fb4a1d1a96d312", server.parentSpanId());
    assertEquals("grpc", server.protocol());
    EchoUpstream.Received got = upstream.lastRequest();
    assertEquals(trace + "-" + client.spanId() + "-1", got.headers().get("b3"));
    assertEquals(trace, got.headers().get("x-b3-traceid"));
    assertEquals(client.spanId(), got.headers().get("x-b3-spanid"));
    assertEquals("00-" + trace + "-" + client.spanId() + "-01", got.headers().get("traceparent"));
  }

  @Test
  void samplingFollowsTheParentThenTheRoute() {
    gateway = TestGateway.start(config("{ endpoint: \"" + collector.url() + "\", protocol: HTTP, sampling: 0 }"));
    gateway.get("/root", Map.of("host", "traced.test"));                  // route samples 100 %
    gateway.get("/root", Map.of("host", "quiet.test"));                   // default 0 %
    String unsampled = "0af7651916cd43dd8448eb211c80319c";
    gateway.get("/unsampled", Map.of("host", "traced.test", "traceparent", "00-" + unsampled + "-b7ad6b7169203331-00"));
    String sampled = "1af7651916cd43dd8448eb211c80319c";
    gateway.get("/sampled", Map.of("host", "quiet.test", "traceparent", "00-" + sampled + "-b7ad6b7169203331-01"));

    awaitSpans(sampled, 2);
    Await.until("the traced route's root span", 10, () -> collector.spans().stream()
        .anyMatch(s -> "traced".equals(s.attribute("gatehouse.route")) && s.parentSpanId().isEmpty()));
    assertFalse(collector.spans().stream().anyMatch(s -> s.traceId().equals(unsampled)), "an unsampled parent wins over the route");
    assertFalse(collector.spans().stream().anyMatch(s -> "quiet".equals(s.attribute("gatehouse.route")) && s.parentSpanId().isEmpty()),
        "the default ratio of 0 % starts no trace");
    Await.until("the unsampled request is logged", 5, () -> gateway.accessLog().contains("/unsampled"));
    assertTrue(gateway.accessLog().lines().filter(l -> l.contains("/unsampled")).allMatch(l -> l.contains(unsampled)),
        "the access log names the trace even when it is not sampled");
  }

  @Test
  void anUnsampledRequestStillPropagatesItsContextAndNamesItsTraceButExportsNothing() {
    gateway = TestGateway.start(config("{ endpoint: \"" + collector.url() + "\", protocol: HTTP, sampling: 0 }"
        + "\n  accessLog: { format: JSON, fields: [path, traceId, spanId] }"));
    Pattern traceparent = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-00");

    // A new trace on a route sampled at 0 %: ids drawn, sent upstream with the sampled flag off.
    assertEquals(200, gateway.get("/new", Map.of("host", "quiet.test")).status());
    EchoUpstream.Received fresh = upstream.lastRequest();
    Matcher m = traceparent.matcher(String.valueOf(fresh.header("traceparent")));
    assertTrue(m.matches(), "a valid unsampled traceparent goes upstream: " + fresh.header("traceparent"));
    String freshTrace = m.group(1);
    String freshSpan = m.group(2);
    assertFalse(freshTrace.matches("0+") || freshSpan.matches("0+"), "all-zero ids are invalid: " + m.group());
    assertEquals(freshTrace + "-" + freshSpan + "-0", fresh.header("b3"), "B3 carries the same unsampled context");

    // An unsampled parent, retried: both tries continue the client's trace with the flag off and
    // the tracestate, under the gateway's span id, the same for every try.
    String unsampled = "0af7651916cd43dd8448eb211c80319c";
    TestGateway.TestResponse r = gateway.get("/flaky", Map.of("host", "traced.test",
        "traceparent", "00-" + unsampled + "-b7ad6b7169203331-00", "tracestate", "vendor=y"));
    assertEquals(200, r.status());
    assertEquals("2", r.header("x-gatehouse-attempts"));
    List<EchoUpstream.Received> tries = upstream.requests().stream().filter(q -> q.uri().equals("/flaky")).toList();
    assertEquals(2, tries.size());
    Matcher first = traceparent.matcher(String.valueOf(tries.get(0).header("traceparent")));
    assertTrue(first.matches(), tries.get(0).header("traceparent"));
    assertEquals(unsampled, first.group(1), "the client's trace continues");
    assertFalse(first.group(2).equals("b7ad6b7169203331"), "upstream's parent is the gateway's span, not the client's");
    assertEquals(first.group(), tries.get(1).header("traceparent"));
    tries.forEach(t -> assertEquals("vendor=y", t.header("tracestate")));

    // The access log names both traces and the span that went upstream.
    Await.until("both logged", 5, () -> gateway.accessLog().contains("/new") && gateway.accessLog().contains("/flaky"));
    JsonObject newLine = new JsonObject(gateway.accessLog().lines().filter(l -> l.contains("\"/new\"")).findFirst().orElseThrow());
    assertEquals(freshTrace, newLine.getString("traceId"));
    assertEquals(freshSpan, newLine.getString("spanId"));
    JsonObject flakyLine = new JsonObject(gateway.accessLog().lines().filter(l -> l.contains("\"/flaky\"")).findFirst().orElseThrow());
    assertEquals(unsampled, flakyLine.getString("traceId"));
    assertEquals(first.group(2), flakyLine.getString("spanId"));

    // An unsampled parent in B3's multi headers alone is continued the same way.
    String b3Trace = "3af7651916cd43dd8448eb211c80319c";
    assertEquals(200, gateway.get("/b3multi", Map.of("host", "quiet.test", "X-B3-TraceId", b3Trace,
        "X-B3-SpanId", "b7ad6b7169203331", "X-B3-Sampled", "0")).status());
    Matcher multi = traceparent.matcher(String.valueOf(upstream.lastRequest().header("traceparent")));
    assertTrue(multi.matches(), upstream.lastRequest().header("traceparent"));
    assertEquals(b3Trace, multi.group(1));

    // Nothing of them is exported: a sampled request after them (the export queue is FIFO) arrives
    // alone.
    String sampled = "2af7651916cd43dd8448eb211c80319c";
    gateway.get("/after", Map.of("host", "quiet.test", "traceparent", "00-" + sampled + "-b7ad6b7169203331-01"));
    awaitSpans(sampled, 2);
    assertEquals(List.of(sampled), collector.spans().stream().map(OtlpReceiver.Received::traceId).distinct().toList(),
        "only the sampled request's spans are exported");
  }

  @Test
  void aStalledCollectorCostsDroppedSpansNotLatency() {
    collector.stall();
    gateway = TestGateway.start(config("{ endpoint: \"" + collector.url() + "\", protocol: HTTP, sampling: 100,"
        + " maxQueueSize: 4, exportTimeout: 2s }"));
    long start = System.nanoTime();
    for (int i = 0; i < 40; i++) {
      assertEquals(200, gateway.get("/" + i, Map.of("host", "quiet.test")).status());
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < 10_000, "40 requests took " + millis + " ms");
    Await.until("dropped spans counted", 10, () -> {
      PromText metrics = PromText.parse(gateway.admin("/metrics").body());
      return metrics.one("gatehouse_tracing_spans_total", Map.of("result", "dropped")).value() > 0;
    });
  }
}
