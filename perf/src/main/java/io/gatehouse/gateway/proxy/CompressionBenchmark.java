package io.gatehouse.gateway.proxy;

import io.gatehouse.routes.Compression;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * What response compression costs per KiB of body (issue 20): the gateway's own encoders, as
 * {@link ResponseCompression#begin} picks them for a {@code 200 application/json} response (gzip
 * level 6, brotli quality 4, zstd level 3, Netty's encoders in an {@code EmbeddedChannel}), fed a
 * generated 64 KiB JSON document (a catalogue page: ids, prices, names and descriptions drawn from
 * a word list with a fixed seed, so every run compresses the same bytes) in 8 KiB chunks, each
 * encoded and flushed as {@link EncodingStream} does for a streamed response, then finished
 * ({@code -p bodyKiB=256 -p chunkBytes=16384} changes the sizes).
 *
 * <p>One operation is one whole body: the response head's edit ({@code begin}), every chunk, and
 * the end of the stream. Next to the wall-clock time per body it reports the benchmark thread's CPU
 * time and the KiB of body it compressed ({@code cpuNanos}, {@code kib}, JMH sums them over the
 * measured iterations: their ratio is CPU ns per KiB, the figure that holds on a machine shared with
 * other work better than wall-clock time, which also counts the time others held the core), and at the
 * end of the run one line per encoding with that ratio over the measured iterations and the
 * compressed size. The benchmark lives in the gateway's package because the encoders are
 * package-private there; it measures them, not a copy.
 *
 * <pre>java -jar perf/target/benchmarks.jar CompressionBenchmark -wi 3 -w 1s -i 5 -r 1s -f 1</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CompressionBenchmark {
  private static final long SEED = 20;

  @Param({"gzip", "br", "zstd"})
  public String encoding;

  /** The body's size in KiB (at least; the document ends at the first item past it). */
  @Param("64")
  public int bodyKiB;

  /** The size of the chunks it arrives in from the upstream, each encoded and flushed on its own. */
  @Param("8192")
  public int chunkBytes;

  private ResponseCompression compression;
  private List<Buffer> chunks;
  private byte[] body;
  private long compressedBytes;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    body = catalogue(bodyKiB * 1024);
    chunks = new ArrayList<>();
    for (int at = 0; at < body.length; at += chunkBytes) {
      chunks.add(Buffer.buffer(Arrays.copyOfRange(body, at, Math.min(body.length, at + chunkBytes))));
    }
    compression = new ResponseCompression(
        new Compression(List.of(encoding), Compression.MIN_SIZE, Compression.CONTENT_TYPES), encoding);
    MultiMap headers = head();
    if (compression.begin(HttpMethod.GET, HttpVersion.HTTP_1_1, 200, headers) == null
        || !encoding.equals(headers.get(HttpHeaders.CONTENT_ENCODING))) {
      throw new IllegalStateException("the gateway does not compress with " + encoding + " here (native library missing?)");
    }
    Buffer compressed = compress();
    compressedBytes = compressed.length();
    if (compressedBytes == 0 || compressedBytes >= body.length) {
      throw new IllegalStateException(encoding + " wrote " + compressedBytes + " bytes for " + body.length);
    }
    if (encoding.equals("gzip")) { // the one the JDK can read back: the benchmark must compress this body
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed.getBytes()))) {
        if (!Arrays.equals(in.readAllBytes(), body)) {
          throw new IllegalStateException("gzip did not round-trip");
        }
      }
    }
  }

  private static MultiMap head() {
    return MultiMap.caseInsensitiveMultiMap().set(HttpHeaders.CONTENT_TYPE, "application/json");
  }

  /** One response body through the gateway's encoder, as {@link EncodingStream} writes it. */
  private Buffer compress() {
    EncodingStream.Encoder encoder = compression.begin(HttpMethod.GET, HttpVersion.HTTP_1_1, 200, head());
    Buffer out = Buffer.buffer();
    for (Buffer chunk : chunks) {
      out.appendBuffer(encoder.encode(chunk));
    }
    return out.appendBuffer(encoder.finish());
  }

  /** CPU time and KiB compressed per iteration; the measured iterations' totals for the summary. */
  @AuxCounters(AuxCounters.Type.EVENTS)
  @State(Scope.Thread)
  public static class Cpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    public long cpuNanos;
    public double kib;
    private long start;
    private long bodies;
    private long measuredNanos;
    private long measuredBodies;

    @Setup(Level.Iteration)
    public void start() {
      cpuNanos = 0;
      kib = 0;
      bodies = 0;
      start = THREADS.getCurrentThreadCpuTime();
    }

    @TearDown(Level.Iteration)
    public void stop(IterationParams iteration, CompressionBenchmark benchmark) {
      cpuNanos = THREADS.getCurrentThreadCpuTime() - start;
      kib = bodies * (benchmark.body.length / 1024.0);
      if (iteration.getType() == IterationType.MEASUREMENT) {
        measuredNanos += cpuNanos;
        measuredBodies += bodies;
      }
    }

    @TearDown(Level.Trial)
    public void summary(CompressionBenchmark benchmark) {
      double kibPerBody = benchmark.body.length / 1024.0;
      System.out.printf(Locale.ROOT, "%n%s: %.2f us CPU per KiB over %d bodies of %d bytes; compressed to %d bytes (%.1f %%)%n",
          benchmark.encoding, measuredNanos / 1000.0 / (measuredBodies * kibPerBody), measuredBodies,
          benchmark.body.length, benchmark.compressedBytes, 100.0 * benchmark.compressedBytes / benchmark.body.length);
    }
  }

  @Benchmark
  public Buffer body(Cpu cpu) {
    cpu.bodies++;
    return compress();
  }

  private static final String[] WORDS = ("oak walnut lamp desk chair shelf linen cotton wool steel brass matte "
      + "black white grey green natural handmade recycled compact adjustable foldable modern classic outdoor "
      + "kitchen garden office bedroom storage light soft durable washable organic ceramic glass bamboo "
      + "with and for the a of in set pack large small medium edition premium basic warranty delivery").split(" ");
  private static final String[] CATEGORIES = {"furniture", "lighting", "textiles", "kitchen", "garden", "office"};
  private static final String[] COUNTRIES = {"DE", "FR", "NL", "PL", "IT", "ES", "SE", "GB"};

  /**
   * A page of a product catalogue as JSON, at least {@code size} bytes, the same bytes on every
   * run and JDK ({@link Random}'s sequence is specified; numbers are written from ints).
   */
  static byte[] catalogue(int size) {
    Random random = new Random(SEED);
    StringBuilder json = new StringBuilder(size + 1024).append("{\"page\":2,\"pageSize\":100,\"items\":[");
    for (int i = 0; json.length() < size - 2; i++) {
      if (i > 0) {
        json.append(',');
      }
      int id = 100_000 + random.nextInt(900_000);
      int cents = random.nextInt(50_000);
      json.append("{\"id\":").append(id)
          .append(",\"sku\":\"").append(Integer.toHexString(random.nextInt()).toUpperCase(Locale.ROOT)).append('"')
          .append(",\"name\":\"").append(words(random, 2 + random.nextInt(3))).append('"')
          .append(",\"category\":\"").append(CATEGORIES[random.nextInt(CATEGORIES.length)]).append('"')
          .append(",\"price\":{\"amount\":").append(cents / 100).append('.').append(cents % 100 / 10).append(cents % 10)
          .append(",\"currency\":\"EUR\"}")
          .append(",\"stock\":").append(random.nextInt(500))
          .append(",\"rating\":").append(1 + random.nextInt(4)).append('.').append(random.nextInt(10))
          .append(",\"description\":\"").append(words(random, 12 + random.nextInt(25))).append('"')
          .append(",\"seller\":{\"id\":").append(random.nextInt(5_000))
          .append(",\"country\":\"").append(COUNTRIES[random.nextInt(COUNTRIES.length)]).append("\"}")
          .append(",\"updated\":\"2026-").append(String.format(Locale.ROOT, "%02d-%02dT%02d:%02d:%02dZ",
              1 + random.nextInt(12), 1 + random.nextInt(28), random.nextInt(24), random.nextInt(60), random.nextInt(60)))
          .append("\",\"url\":\"https://shop.example.com/catalog/items/").append(id).append("\"}");
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String words(Random random, int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
    }
    return s.toString();
  }
}
