package io.gatehouse.gateway.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.OutlierDetection;
import io.gatehouse.routes.Upstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Ejection rules without a network: streaks, the maximum share, growing ejection times, expiry. */
class OutlierDetectorTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private EndpointSet endpoints(int n) {
    return new EndpointSet(IntStream.range(0, n)
        .mapToObj(i -> new EndpointState(new Upstream.Endpoint("10.0.0." + (i + 1), 80))).toArray(EndpointState[]::new));
  }

  private OutlierDetector detector(EndpointSet set, int errors, Duration base, int maxPercent) {
    return new OutlierDetector(new OutlierDetection(true, errors, base, maxPercent), set, new UpstreamMeters(registry, "u"));
  }

  private static void fail(OutlierDetector detector, EndpointState endpoint, int times) {
    for (int i = 0; i < times; i++) {
      detector.failed(endpoint);
    }
  }

  @Test
  void ejectsAfterConsecutiveErrorsAndASuccessResetsTheStreak() {
    EndpointSet set = endpoints(4);
    EndpointState e = set.all()[0];
    OutlierDetector detector = detector(set, 3, Duration.ofSeconds(30), 50);
    fail(detector, e, 2);
    detector.succeeded(e);
    fail(detector, e, 2);
    assertFalse(e.ejected(System.nanoTime()), "two errors after a success are not a streak of three");
    detector.failed(e);
    assertTrue(e.ejected(System.nanoTime()));
    EndpointSet.Candidates c = set.candidates(System.nanoTime());
    assertEquals(3, c.up().length);
    assertFalse(c.panic());
    assertEquals(1.0, registry.get("gatehouse.upstream.ejections").tags("upstream", "u", "endpoint", "10.0.0.1:80").counter().count());
  }

  @Test
  void neverEjectsMoreThanTheMaximumShareButAlwaysAllowsOne() {
    EndpointSet four = endpoints(4);
    OutlierDetector half = detector(four, 1, Duration.ofSeconds(30), 50);
    for (EndpointState e : four.all()) {
      half.failed(e);
    }
    long now = System.nanoTime();
    assertEquals(2, java.util.Arrays.stream(four.all()).filter(e -> e.ejected(now)).count(), "50 % of 4");

    EndpointSet two = endpoints(2);
    OutlierDetector tenPercent = detector(two, 1, Duration.ofSeconds(30), 10);
    tenPercent.failed(two.all()[0]);
    tenPercent.failed(two.all()[1]);
    long later = System.nanoTime();
    assertTrue(two.all()[0].ejected(later), "the first ejection is always allowed");
    assertFalse(two.all()[1].ejected(later), "a second one would pass 10 %");
  }

  @Test
  void ejectionTimeGrowsWithEachEjectionAndEndsByItself() {
    EndpointSet set = endpoints(2);
    EndpointState e = set.all()[0];
    Duration base = Duration.ofMillis(300);
    OutlierDetector detector = detector(set, 1, base, 50);
    long first = System.nanoTime();
    detector.failed(e);
    long firstLength = e.ejectedUntilNanos() - first;
    long slack = Duration.ofMillis(250).toNanos();
    assertTrue(firstLength >= base.toNanos() && firstLength < base.toNanos() + slack, "first ejection " + firstLength + "ns");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (e.ejected(System.nanoTime())) {
      assertTrue(System.nanoTime() < deadline, "the ejection did not expire");
      Thread.onSpinWait();
    }
    assertEquals(2, set.candidates(System.nanoTime()).up().length, "the endpoint is back in the balancer");
    long second = System.nanoTime();
    detector.failed(e);
    long secondLength = e.ejectedUntilNanos() - second;
    assertTrue(secondLength >= 2 * base.toNanos() && secondLength < 2 * base.toNanos() + slack,
        "second ejection " + secondLength + "ns (expected about twice the base)");
  }

  @Test
  void aPassingActiveHealthCheckEndsAnEjection() {
    EndpointSet set = endpoints(2);
    EndpointState e = set.all()[0];
    OutlierDetector detector = detector(set, 1, Duration.ofSeconds(30), 50);
    detector.failed(e);
    assertEquals(1, set.candidates(System.nanoTime()).up().length);
    detector.healthCheckPassed(e);
    assertFalse(e.ejected(System.nanoTime()));
    assertEquals(2, set.candidates(System.nanoTime()).up().length);
  }

  @Test
  void whenEveryEndpointIsOutTheBalancerUsesAllOfThem() {
    EndpointSet set = endpoints(2);
    set.all()[0].healthy(false);
    set.all()[1].healthy(false);
    set.changed();
    EndpointSet.Candidates c = set.candidates(System.nanoTime());
    assertTrue(c.panic());
    assertEquals(2, c.up().length);
    set.all()[1].healthy(true);
    set.changed();
    assertEquals(1, set.candidates(System.nanoTime()).up().length);
  }
}
