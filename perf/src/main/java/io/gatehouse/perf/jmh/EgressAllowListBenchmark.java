package io.gatehouse.perf.jmh;

import io.gatehouse.routes.egress.AllowList;
import io.gatehouse.routes.egress.Decision;
import io.gatehouse.routes.egress.Target;
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
 * Egress allow-list decisions with 10 000 entries, for each destination mix (exact hosts,
 * wildcard domains, CIDRs, a third each). One invocation of {@link #decide} is what the gateway does
 * per egress request or CONNECT apart from DNS: {@link Target#parse} the raw host,
 * {@link AllowList#check} it with port and client, and, when allowed, {@link AllowList#checkAddress}
 * the resolved address. It cycles through 4 096 pre-built requests, 1 in 16 denied. {@link #check}
 * is the entry lookup alone (host already normalised); {@link #compile} is what a config change costs.
 *
 * <pre>java -jar perf/target/benchmarks.jar EgressAllowListBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EgressAllowListBenchmark {
  @Param({"EXACT", "WILDCARD", "CIDR", "MIXED"})
  public String mix;

  @Param({"10000"})
  public int entries;

  private EgressFixture fixture;
  private AllowList list;
  private EgressFixture.Request[] requests;
  private Target[] targets;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    fixture = EgressFixture.build(EgressFixture.Mix.valueOf(mix), entries, 4096, 42);
    list = AllowList.compile(fixture.egress());
    requests = fixture.requests().toArray(new EgressFixture.Request[0]);
    targets = fixture.requests().stream().map(r -> Target.parse(r.host())).toArray(Target[]::new);
  }

  @Benchmark
  public Decision decide() {
    EgressFixture.Request request = requests[next];
    next = (next + 1) & (requests.length - 1);
    return decide(list, request);
  }

  @Benchmark
  public Decision check() {
    int i = next;
    next = (next + 1) & (requests.length - 1);
    EgressFixture.Request request = requests[i];
    return list.check(targets[i], request.port(), request.client());
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public AllowList compile() {
    return AllowList.compile(fixture.egress());
  }

  /** The gateway's decision for one request, DNS aside (EgressStage, then CheckedAddress). */
  static Decision decide(AllowList list, EgressFixture.Request request) {
    Decision decision = list.check(Target.parse(request.host()), request.port(), request.client());
    return decision.allowed()
        ? list.checkAddress(decision, request.resolved(), request.port(), request.client()) : decision;
  }
}
