package io.gatehouse.gateway.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.gateway.Await;
import io.gatehouse.routes.AccessLogFormat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Lines are formatted by the threads that write them and handed to the output by the log's own
 * thread: lines of many threads at once come out whole (long ones too, longer than the JSON
 * generator's own buffer), none lost; an output that cannot keep up costs lines, counted, never a
 * blocked writer or a torn line; a new format applies to the lines after it.
 */
class AccessLogTest {
  @Test
  void linesOfManyThreadsComeOutWhole() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AccessLog log = AccessLog.start(out);
    int threads = 4;
    int each = 3_000;
    CountDownLatch go = new CountDownLatch(1);
    Thread[] writers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int thread = t;
      writers[t] = new Thread(() -> {
        await(go);
        for (int i = 0; i < each; i++) {
          // Every 100th path is longer than Jackson's 8 000-byte buffer, so it reaches the line buffer in two pieces.
          String path = "/t" + thread + "/" + i + (i % 100 == 0 ? "/" + "x".repeat(9_000) : "");
          log.write(entry(thread + "-" + i, path));
        }
      });
      writers[t].start();
    }
    go.countDown();
    for (Thread w : writers) {
      w.join();
    }
    log.close();
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(threads * each, lines.size());
    Set<String> ids = new HashSet<>();
    for (String line : lines) {
      JsonObject node = new JsonObject(line);
      String id = node.getString("requestId");
      String[] parts = id.split("-");
      String path = node.getString("path");
      assertTrue(path.startsWith("/t" + parts[0] + "/" + parts[1]), line.length() > 200 ? line.substring(0, 200) : line);
      assertEquals(Integer.parseInt(parts[1]) % 100 == 0, path.length() > 9_000, id);
      ids.add(id);
    }
    assertEquals(threads * each, ids.size(), "every line once");
    assertEquals(0, log.dropped());
  }

  @Test
  void anOutputThatCannotKeepUpCostsWholeLinesCountedNeverAWait() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    OutputStream stuck = new OutputStream() {
      @Override public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override public void write(byte[] b, int off, int len) {
        await(release);
        written.write(b, off, len);
      }
    };
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AccessLog log = AccessLog.start(stuck).register(registry);
    log.write(entry("first", "/first"));
    Thread.sleep(3 * AccessLog.PERIOD_MILLIS); // the writer takes it and is stuck in the output
    String path = "/" + "p".repeat(1_000);
    long start = System.nanoTime();
    int lines = 2 * AccessLog.CAPACITY / 1_000;
    for (int i = 0; i < lines; i++) {
      log.write(entry("id-" + i, path));
    }
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "writing lines waited on the output");
    long dropped = log.dropped();
    assertTrue(dropped > lines / 3 && dropped < lines, "dropped " + dropped + " of " + lines);
    assertEquals(dropped, registry.get("gatehouse.accesslog.dropped").functionCounter().count());
    release.countDown();
    log.close();
    List<String> out = written.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(lines - dropped + 1, out.size());
    for (String line : out) {
      assertTrue(new JsonObject(line).containsKey("requestId"), line);
    }
  }

  /**
   * With nothing to write, the writer sleeps without a timer (a timed wake-up every period cost CPU
   * with no traffic); the next line wakes it and comes out, and it goes back to sleep.
   */
  @Test
  void anIdleWriterSleepsUntilALineComes() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AccessLog log = AccessLog.start(out);
    try {
      awaitState(log, Thread.State.WAITING);
      for (int i = 1; i <= 3; i++) {
        log.write(entry("after-idle-" + i, "/idle"));
        int lines = i;
        Await.until("line " + i + " written", 10, () -> linesOf(out).size() == lines);
        awaitState(log, Thread.State.WAITING);
      }
      assertEquals("after-idle-3", new JsonObject(linesOf(out).get(2)).getString("requestId"));
    } finally {
      log.close();
    }
  }

  @Test
  void aNewFormatAppliesToTheLinesAfterIt() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AccessLog log = AccessLog.start(out);
    log.write(entry("json-1", "/a"));
    log.format(new AccessLogFormat(AccessLogFormat.Encoding.TEXT, List.of(), "%requestId% %path% %status%"));
    log.write(entry("text-1", "/b"));
    log.format(AccessLogFormat.DEFAULT);
    log.write(entry("json-2", "/c"));
    log.close();
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(3, lines.size(), lines.toString());
    assertEquals("json-1", new JsonObject(lines.get(0)).getString("requestId"));
    assertEquals("text-1 /b 200", lines.get(1));
    assertEquals("/c", new JsonObject(lines.get(2)).getString("path"));
  }

  private static List<String> linesOf(ByteArrayOutputStream out) {
    return out.toString(StandardCharsets.UTF_8).lines().toList(); // toString holds the stream's lock
  }

  private static void awaitState(AccessLog log, Thread.State state) {
    Await.until("the writer " + state, 10, () -> log.writerState() == state);
  }

  private static AccessLog.Entry entry(String id, String path) {
    return new AccessLog.Entry(1_764_670_879_007L, id, "10.0.0.1", "http", "app.test", "GET", path, "HTTP/1.1",
        "r", "up", "127.0.0.1:9000", 200, 0, 13, 250, 1, "");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
