package io.gatehouse.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gatehouse.routes.RetryPolicy.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The waits themselves: the jitter's bound per retry, and every form of Retry-After. */
class RetryBackoffDelaysTest {
  private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-02T08:00:00Z"), ZoneOffset.UTC);

  @ParameterizedTest(name = "retry {0}: below {1} ms")
  @CsvSource({"1, 25", "2, 50", "3, 100", "4, 200", "5, 250", "9, 250", "40, 250"})
  void theBoundDoublesPerRetryUpToTheMax(int retry, long bound) {
    Backoff envoy = Backoff.DEFAULT;
    assertEquals(bound - 1, RetryBackoff.jittered(envoy, retry, b -> b - 1), "the largest draw");
    assertEquals(0, RetryBackoff.jittered(envoy, retry, b -> 0), "the smallest draw");
    long[] asked = new long[1];
    RetryBackoff.jittered(envoy, retry, b -> asked[0] = b);
    assertEquals(bound, asked[0], "full jitter draws from [0, bound)");
  }

  @Test
  void aMaxThatIsNotAPowerOfTwoOfTheBaseCapsTheLastStep() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofSeconds(10));
    long[] asked = new long[1];
    RetryBackoff.jittered(b, 3, x -> asked[0] = x);
    assertEquals(300, asked[0]);
  }

  @ParameterizedTest(name = "retry {0}: from {1} ms, below {2} ms")
  @CsvSource({"1, 100, 200", "2, 100, 300", "3, 100, 500", "4, 100, 900", "5, 100, 1100", "12, 100, 1100"})
  void gatewayApisBackoffIsAMinimumWithTheJitterOnTop(int retry, long least, long bound) {
    Backoff minimum = Backoff.atLeast(Duration.ofMillis(100));
    assertEquals(least, RetryBackoff.jittered(minimum, retry, b -> 0), "never retried before the minimum");
    assertEquals(bound - 1, RetryBackoff.jittered(minimum, retry, b -> b - 1), "the largest draw");
  }

  @ParameterizedTest(name = "Retry-After: {0}")
  @CsvSource(value = {
      "0, 0",
      "3, 3000",
      " 120 , 120000",
      "'Wed, 02 Dec 2026 08:00:05 GMT', 5000",
      "'Wed, 02 Dec 2026 07:59:00 GMT', 0",
      "99999999999, 9223372036854775807",
  })
  void retryAfterIsSecondsOrAnHttpDate(String header, long millis) {
    assertEquals(OptionalLong.of(millis), RetryBackoff.retryAfterMillis(header, NOW));
  }

  @ParameterizedTest(name = "Retry-After: \"{0}\" is ignored")
  @CsvSource(value = {"soon", "-1", "1.5", "'2026-12-02T08:00:05Z'", "''"})
  void aRetryAfterThatIsNotUnderstoodIsIgnored(String header) {
    assertEquals(OptionalLong.empty(), RetryBackoff.retryAfterMillis(header, NOW));
  }
}
