package io.gatehouse.gateway.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.ResponseFlags;
import io.gatehouse.routes.AccessLogFormat;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One line per request (JSON, or text in the config's format). The thread that finishes a request
 * (its event loop) formats the line while what it names is still in its caches, and appends the
 * bytes to one buffer; a thread of its own hands that buffer to the output in one write at most
 * every {@value #PERIOD_MILLIS} ms, sooner once {@value #FLUSH_BYTES} bytes wait, so event loops
 * never wait on I/O and wake the writer at most once per batch, not per request (a futex call).
 * With nothing to write the writer sleeps until a line comes: a timed wake-up costs 55-80 µs of
 * CPU on a small VM, so waking every 10 ms took almost 1 % of a core with no traffic at all.
 * Envoy's workers and flush thread share the work the same way. Formatting on the writer thread
 * instead cost it 1.4-2 µs a line, most of it waiting for memory: by the time it read a batch's
 * entries, the event loop had allocated past them. When {@value #CAPACITY} bytes wait (the output
 * cannot keep up), lines are dropped and counted rather than slowing traffic.
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

  static final int CAPACITY = 8 << 20;
  static final long PERIOD_MILLIS = 100;
  /** Lines waiting past this many bytes wake the writer before its period ends. */
  static final int FLUSH_BYTES = 64 * 1024;
  /** The size of the shared buffers; one that grew past {@link #KEEP} in a burst shrinks back to it. */
  private static final int BUFFER = 64 * 1024;
  private static final int KEEP = 1 << 20;

  private final AtomicLong dropped = new AtomicLong();
  private final JsonFactory json = new JsonFactory();
  private final OutputStream out;
  private final Thread writer;
  /** Each writing thread's generator, line buffer and compiled layout. */
  private final ThreadLocal<Formatter> formatters = ThreadLocal.withInitial(Formatter::new);
  private volatile AccessLogFormat format = AccessLogFormat.DEFAULT;
  /** Lines not yet handed to the output. Guarded by {@code this}. */
  private ByteBuf pending = Unpooled.buffer(BUFFER);
  /** Whether the writer sleeps until a line comes (it found nothing to write). Guarded by {@code this}. */
  private boolean asleep;
  /** The writer's buffer, swapped with {@link #pending}. Writer thread only. */
  private ByteBuf spare = Unpooled.buffer(BUFFER);
  private volatile boolean stopping;

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

  /** Formats the entry's line on this thread and queues it; never blocks on the output. */
  public void write(Entry entry) {
    Formatter formatter = formatters.get();
    ByteBuf line;
    try {
      line = formatter.line(entry);
    } catch (IOException | RuntimeException e) {
      formatters.remove(); // its generator may be inside a half-written line: the next line gets a new one
      dropped.incrementAndGet();
      return;
    }
    append(line);
  }

  private void append(ByteBuf line) {
    boolean wake;
    synchronized (this) {
      int before = pending.readableBytes();
      if (before + line.readableBytes() > CAPACITY) {
        dropped.incrementAndGet();
        return;
      }
      pending.writeBytes(line);
      wake = asleep || (before < FLUSH_BYTES && pending.readableBytes() >= FLUSH_BYTES);
      asleep = false;
    }
    if (wake) {
      LockSupport.unpark(writer);
    }
  }

  /** Writes the lines of entries from now on in {@code format} (a config's {@code telemetry.accessLog}). */
  public void format(AccessLogFormat format) {
    // An equal format keeps the object each thread's layout was compiled from (they compare by identity): no recompiling.
    if (!this.format.equals(format)) {
      this.format = format;
    }
  }

  /** Lines dropped because the output could not keep up. */
  public long dropped() {
    return dropped.get();
  }

  /** The writer thread's state: {@code WAITING} while it sleeps until a line comes (for tests). */
  Thread.State writerState() {
    return writer.getState();
  }

  /** Counts {@link #dropped()} lines in {@code registry} as {@code gatehouse.accesslog.dropped}. */
  public AccessLog register(MeterRegistry registry) {
    FunctionCounter.builder("gatehouse.accesslog.dropped", dropped, AtomicLong::get)
        .description("access log lines dropped because the output could not keep up").register(registry);
    return this;
  }

  private void drain() {
    while (true) {
      boolean last = stopping;
      ByteBuf full;
      synchronized (this) {
        full = pending;
        pending = spare;
      }
      boolean wrote = full.isReadable();
      if (wrote) {
        try {
          full.readBytes(out, full.readableBytes()); // from the buffer's own array, not a copy of it
          out.flush();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      full.clear();
      if (full.capacity() > KEEP) {
        full.capacity(BUFFER);
      }
      spare = full;
      if (last) {
        return;
      }
      if (wrote) {
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS));
        continue;
      }
      synchronized (this) {
        if (pending.isReadable() || stopping) {
          continue; // a line (or close) came while this pass found nothing
        }
        asleep = true;
      }
      LockSupport.park(this); // until append or close unparks it (or spuriously: the loop looks again)
    }
  }

  /** A thread's means to format lines: a JSON generator over its own line buffer, and the layout compiled for it. */
  private final class Formatter {
    private final ByteBuf line = Unpooled.buffer(512);
    private final JsonGenerator gen;
    private final StringBuilder text = new StringBuilder(256);
    private char[] chars = new char[256];
    private AccessLogLayout layout;

    Formatter() {
      try {
        gen = json.createGenerator((OutputStream) new ByteBufOutputStream(line));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      gen.setRootValueSeparator(null);
    }

    /** The entry's line, newline included, in this formatter's buffer (valid until its next line). */
    ByteBuf line(Entry e) throws IOException {
      AccessLogFormat current = format;
      if (layout == null || layout.format() != current) {
        layout = AccessLogLayout.compile(current); // the layout keeps this thread's time text: one per thread
      }
      line.clear();
      if (layout.json()) {
        layout.writeJson(gen, e);
      } else {
        text.setLength(0);
        layout.writeText(text, e);
        int n = text.length();
        if (chars.length < n) {
          chars = new char[Math.max(n, 2 * chars.length)];
        }
        text.getChars(0, n, chars, 0);
        gen.writeRaw(chars, 0, n);
      }
      gen.writeRaw('\n');
      gen.flush(); // the whole line into the buffer: lines of two threads never interleave
      return line;
    }
  }

  /** Writes what is queued, then stops the writer (waits up to 2 s). */
  @Override public void close() {
    try {
      stopping = true;
      LockSupport.unpark(writer);
      writer.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
