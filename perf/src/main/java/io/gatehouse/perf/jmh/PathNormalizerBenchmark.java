package io.gatehouse.perf.jmh;

import io.gatehouse.routes.ListenerEdge;
import io.gatehouse.routes.table.PathNormalizer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What path normalisation costs per request with a listener's defaults (MERGE_SLASHES, escaped
 * slashes refused): {@code NORMAL} is the common case (one scan, the same instance back, no
 * allocation), {@code DOTS} and {@code ENCODED} take the slow path (decode, segments, a new string).
 *
 * <pre>java -jar perf/target/benchmarks.jar PathNormalizerBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PathNormalizerBenchmark {
  @Param({"NORMAL", "DOTS", "ENCODED"})
  public String kind;

  private final PathNormalizer normalizer = PathNormalizer.of(ListenerEdge.DEFAULT);
  private String path;

  @org.openjdk.jmh.annotations.Setup
  public void setUp() {
    path = switch (kind) {
      case "NORMAL" -> "/api/v1/catalog/items/12345/reviews";
      case "DOTS" -> "/api/v1/catalog/./items//12345/../12346/reviews";
      default -> "/api/v1/catalog/%69tems/12345/re%76iews%3F";
    };
  }

  @Benchmark
  public String normalize() {
    return normalizer.normalize(path);
  }
}
