package io.gatehouse.perf.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gatehouse.routes.egress.AllowList;
import io.gatehouse.routes.egress.Decision;
import io.gatehouse.routes.egress.Verdict;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The benchmark measures the intended decisions: every fixture request gets the verdict and entry it
 * was made for, and 1 in 16 is denied, a third each for host, port and source.
 */
class EgressFixtureTest {
  @ParameterizedTest
  @EnumSource(EgressFixture.Mix.class)
  void everyRequestGetsItsDecision(EgressFixture.Mix mix) {
    EgressFixture fixture = EgressFixture.build(mix, 10_000, 4096, 42);
    assertEquals(10_000, fixture.egress().allow().size());
    AllowList list = AllowList.compile(fixture.egress());
    Map<Verdict, Integer> verdicts = new TreeMap<>();
    int privateAllowed = 0;
    for (EgressFixture.Request request : fixture.requests()) {
      Decision decision = EgressAllowListBenchmark.decide(list, request);
      assertEquals(request.expected(), decision.verdict(), request.toString());
      assertEquals(request.rule(), decision.rule(), request.toString());
      verdicts.merge(decision.verdict(), 1, Integer::sum);
      privateAllowed += decision.allowed() && request.resolved().isSiteLocalAddress() ? 1 : 0;
    }
    assertEquals(Map.of(Verdict.ALLOWED, 3840, Verdict.HOST_NOT_ALLOWED, 86, Verdict.PORT_NOT_ALLOWED, 85,
        Verdict.SOURCE_NOT_ALLOWED, 85), verdicts);
    // CIDR entries in 10/8 make the address check find the entry that opens the denied range.
    boolean cidrs = mix == EgressFixture.Mix.CIDR || mix == EgressFixture.Mix.MIXED;
    assertEquals(cidrs, privateAllowed > 0, "allowed in 10/8: " + privateAllowed);
  }
}
