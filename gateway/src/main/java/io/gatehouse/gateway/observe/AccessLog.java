package io.gatehouse.gateway.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.ResponseFlags;
import io.gatehouse.routes.AccessLogFormat;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One line per request (JSON, or text in the config's format), written by a thread of its own: event loops only enqueue a record
 * and never wait on I/O. When the queue is full (the output cannot keep up) entries are dropped
 * and counted rather than slowing traffic. The writer never blocks on the queue, so an event loop
 * never has a sleeping thread to wake (a futex call per request): it drains what is queued every
 * {@value #PERIOD_MILLIS} ms, formats up to 256 entries into one buffer and hands that to the
 * output in one write, one system call per batch instead of two per line. This matters when the
 * gateway and its writer share a core.
 */
public final class AccessLog implements AutoCloseable {
  /**
   * One finished request, or one finished TLS passthrough connection. {@code responseFlags} are
   * Envoy's ({@code -} for none); {@code traceId} and {@code spanId} are empty when the request was
   * not traced; {@code policy} names the authorization policy that decided ("" when none did).
   */
  public record Entry(long startMillis, String requestId, String client, String listener, String host,
                      String method, String path, String protocol, String route, String upstream,
                      String endpoint, int status, long bytesIn, long bytesOut, long durationMicros,
                      int attempts, String failure, String responseFlags, String traceId, String spanId,
                      String policy) {
    /** An entry that no authorization policy decided. */
    public Entry(long startMillis, String requestId, String client, String listener, String host,
                 String method, String path, String protocol, String route, String upstream,
                 String endpoint, int status, long bytesIn, long bytesOut, long durationMicros,
                 int attempts, String failure, String responseFlags, String traceId, String spanId) {
      this(startMillis, requestId, client, listener, host, method, path, protocol, route, upstream, endpoint, status,
          bytesIn, bytesOut, durationMicros, attempts, failure, responseFlags, traceId, spanId, "");
    }

    /** An entry without response flags or trace. */
    public Entry(long startMillis, String requestId, String client, String listener, String host,
                 String method, String path, String protocol, String route, String upstream,
                 String endpoint, int status, long bytesIn, long bytesOut, long durationMicros,
                 int attempts, String failure) {
      this(startMillis, requestId, client, listener, host, method, path, protocol, route, upstream, endpoint, status,
          bytesIn, bytesOut, durationMicros, attempts, failure, "-", "", "", "");
    }

    /**
     * The line of a finished HTTP exchange (ingress or egress), read from what every path filled in:
     * the egress destination as host when there is one, no path for a CONNECT, a tunnel's bytes
     * when the connection became one.
     */
    public static Entry of(Exchange ex) {
      HttpServerRequest request = ex.request();
      String client = ex.peer();
      String host = ex.destination() != null ? ex.destination() : ex.host();
      String path = request.method() == HttpMethod.CONNECT || request.path() == null ? "" : request.path();
      return new Entry(ex.startMillis(), ex.requestId(), client == null ? "" : client, ex.listener(),
          host == null ? "" : host, request.method().name(), path, protocol(request.version()), ex.route(),
          ex.upstream(), ex.endpoint(), ex.status(), ex.bytesIn(), ex.bytesOut(),
          (System.nanoTime() - ex.startNanos()) / 1_000, ex.attempts(), ex.failure(), ResponseFlags.of(ex),
          ex.trace().traceId(), ex.trace().spanId(), ex.policy());
    }

    private static String protocol(HttpVersion version) {
      return version == HttpVersion.HTTP_2 ? "HTTP/2" : version == HttpVersion.HTTP_1_0 ? "HTTP/1.0" : "HTTP/1.1";
    }
  }

  private static final Entry STOP = new Entry(0, "", "", "", "", "", "", "", "", "", "", 0, 0, 0, 0, 0, "");
  private static final int CAPACITY = 65_536;
  private static final int BATCH = 256;
  static final long PERIOD_MILLIS = 10;

  private final BlockingQueue<Entry> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final AtomicLong dropped = new AtomicLong();
  private final JsonFactory json = new JsonFactory();
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * 1024);
  private final OutputStream out;
  private final Thread writer;
  private final StringBuilder text = new StringBuilder(256);
  private volatile AccessLogLayout layout = AccessLogLayout.compile(AccessLogFormat.DEFAULT);

  private AccessLog(OutputStream out) {
    this.out = out;
    this.writer = new Thread(this::drain, "gatehouse-access-log");
    writer.setDaemon(true);
  }

  /** Starts the writer thread; lines go to {@code out} (stdout in production). */
  public static AccessLog start(OutputStream out) {
    AccessLog log = new AccessLog(out);
    log.writer.start();
    return log;
  }

  /** Queues an entry; never blocks. */
  public void write(Entry entry) {
    if (!queue.offer(entry)) {
      dropped.incrementAndGet();
    }
  }

  /** Writes the lines of entries from now on in {@code format} (a config's {@code telemetry.accessLog}). */
  public void format(AccessLogFormat format) {
    if (!layout.format().equals(format)) {
      layout = AccessLogLayout.compile(format);
    }
  }

  /** Entries dropped because the writer could not keep up. */
  public long dropped() {
    return dropped.get();
  }

  private void drain() {
    List<Entry> batch = new ArrayList<>(BATCH);
    while (!Thread.currentThread().isInterrupted()) {
      if (queue.drainTo(batch, BATCH) == 0) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS));
        continue;
      }
      boolean stop = writeBatch(batch);
      batch.clear();
      if (stop) {
        return;
      }
    }
  }

  private boolean writeBatch(List<Entry> batch) {
    boolean stop = false;
    buffer.reset();
    AccessLogLayout layout = this.layout;
    try (JsonGenerator gen = json.createGenerator(buffer)) {
      gen.setRootValueSeparator(null);
      for (Entry e : batch) {
        if (e == STOP) {
          stop = true;
          continue;
        }
        if (layout.json()) {
          layout.writeJson(gen, e);
        } else {
          text.setLength(0);
          layout.writeText(text, e);
          gen.writeRaw(text.toString());
        }
        gen.writeRaw('\n');
      }
      gen.flush();
      if (buffer.size() > 0) {
        buffer.writeTo(out); // the buffer's own array, not a copy of it
        out.flush();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return stop;
  }

  /** Writes what is queued, then stops the writer (waits up to 2 s). */
  @Override public void close() {
    try {
      queue.offer(STOP, 1, TimeUnit.SECONDS);
      LockSupport.unpark(writer);
      writer.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
