package io.gatehouse.gateway.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.gatehouse.routes.AccessLogFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The compiled layout writes what the format says, with the time exactly as {@link Instant#toString()} writes it. */
class AccessLogLayoutTest {
  static final AccessLog.Entry ENTRY = new AccessLog.Entry(1_764_670_879_007L, "id-1", "10.0.0.1", "http", "app.test",
      "GET", "/a\"b\\c\u0001", "HTTP/1.1", "r", "up", "127.0.0.1:9000", 503, 12, 3456, 7_891, 2,
      "upstream_reset: x", "UR,URX", "", "", "");

  @Test
  void timeIsWhatInstantWritesForEveryMillisecond() {
    AccessLogLayout layout = AccessLogLayout.compile(AccessLogFormat.DEFAULT);
    SplittableRandom random = new SplittableRandom(17);
    long now = 1_764_670_879_000L;
    for (int i = 0; i < 200_000; i++) {
      // Mostly increasing times within a few seconds (the cache's case), some far jumps either way.
      long millis = i % 1000 == 0 ? random.nextLong(-62_000_000_000_000L, 253_000_000_000_000L) : now + random.nextInt(5_000);
      int n = layout.time(millis);
      assertEquals(Instant.ofEpochMilli(millis).toString(), new String(layout.timeChars(), 0, n), "millis " + millis);
    }
    for (long whole : new long[] {0, 1_000, now, -1_000, 951_782_400_000L}) {
      int n = layout.time(whole);
      assertEquals(Instant.ofEpochMilli(whole).toString(), new String(layout.timeChars(), 0, n));
    }
  }

  @Test
  void jsonLeavesOutEmptyOptionalFieldsAndEscapesValues() throws IOException {
    AccessLogLayout layout = AccessLogLayout.compile(AccessLogFormat.DEFAULT);
    assertEquals("{\"time\":\"2025-12-02T10:21:19.007Z\",\"type\":\"access\",\"requestId\":\"id-1\",\"client\":\"10.0.0.1\","
        + "\"listener\":\"http\",\"host\":\"app.test\",\"method\":\"GET\",\"path\":\"/a\\\"b\\\\c\\u0001\",\"protocol\":\"HTTP/1.1\","
        + "\"route\":\"r\",\"upstream\":\"up\",\"endpoint\":\"127.0.0.1:9000\",\"status\":503,\"responseFlags\":\"UR,URX\",\"bytesIn\":12,\"bytesOut\":3456,"
        + "\"durationMicros\":7891,\"attempts\":2,\"failure\":\"upstream_reset: x\"}", json(layout));
    AccessLogLayout chosen = AccessLogLayout.compile(new AccessLogFormat(AccessLogFormat.Encoding.JSON,
        List.of("durationMillis", "responseFlags", "spanId", "type", "time"), ""));
    assertEquals("{\"durationMillis\":7,\"responseFlags\":\"UR,URX\",\"type\":\"access\",\"time\":\"2025-12-02T10:21:19.007Z\"}",
        json(chosen));
  }

  @Test
  void textWritesADashForEmptyValues() {
    AccessLogLayout layout = AccessLogLayout.compile(new AccessLogFormat(AccessLogFormat.Encoding.TEXT, List.of(),
        "[%START_TIME%] %method% %status% %traceId% %DURATION% %bytesOut%"));
    StringBuilder out = new StringBuilder();
    layout.writeText(out, ENTRY);
    assertEquals("[2025-12-02T10:21:19.007Z] GET 503 - 7 3456", out.toString());
  }

  static String json(AccessLogLayout layout) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator gen = new JsonFactory().createGenerator(out)) {
      layout.writeJson(gen, ENTRY);
    }
    return out.toString();
  }
}
