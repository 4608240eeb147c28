package io.gatehouse.perf.jmh;

import io.gatehouse.routes.table.RouteTable;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Route lookup with 10 000 routes over 1 000 hosts (10 per host), for each host/path mix. One
 * invocation is one {@link RouteTable#match}, cycling through 4 096 pre-built requests (1 in 16
 * takes no route). Target: under 1 µs per lookup. {@link #compile} is what a config change costs.
 *
 * <pre>java -jar perf/target/benchmarks.jar RouteTableBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RouteTableBenchmark {
  @Param({"EXACT", "WILDCARD", "REGEX", "MIXED"})
  public String mix;

  @Param({"10000"})
  public int routes;

  private RouteFixture fixture;
  private RouteTable<String> table;
  private RouteFixture.Request[] requests;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    int hosts = routes / 10;
    fixture = RouteFixture.build(RouteFixture.Mix.valueOf(mix), hosts, 10, 4096, 42);
    table = compileTable(fixture);
    requests = fixture.requests().toArray(new RouteFixture.Request[0]);
  }

  @Benchmark
  public String match() {
    RouteFixture.Request request = requests[next];
    next = (next + 1) & (requests.length - 1);
    return table.match(request);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public RouteTable<String> compile() {
    return compileTable(fixture);
  }

  static RouteTable<String> compileTable(RouteFixture fixture) {
    return RouteTable.compile(fixture.routes(), (route, match) -> route.name(), "");
  }
}
