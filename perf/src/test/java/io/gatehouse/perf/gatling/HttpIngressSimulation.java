package io.gatehouse.perf.gatling;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

/**
 * Plain HTTP/1.1 ingress at a steady {@code -Drate} (default 200 req/s) for
 * {@code -DdurationSeconds} (30), keep-alive connections shared across users as a fleet of
 * clients behind a load balancer would, after {@code -DwarmUpSeconds} (10) of the same. Passes when no request fails and p99 stays under
 * {@code -Dp99Ms} (default 25 ms).
 */
public class HttpIngressSimulation extends Simulation {
  private static final int P99_MILLIS = RunSettings.p99Millis(25);

  private final HttpProtocolBuilder protocol = http.baseUrl(RunSettings.baseUrl())
      .shareConnections()
      .acceptHeader("*/*")
      .userAgentHeader("gatling/gatehouse-perf");

  private final ScenarioBuilder warmUp = scenario("warm-up")
      .exec(http("warm-up").get(RunSettings.path()).check(status().in(200, 204)));

  private final ScenarioBuilder ingress = scenario("http ingress")
      .exec(http("GET " + RunSettings.path()).get(RunSettings.path()).check(status().in(200, 204)));

  {
    setUp(warmUp.injectOpen(constantUsersPerSec(RunSettings.rate()).during(RunSettings.warmUp()))
        .andThen(ingress.injectOpen(constantUsersPerSec(RunSettings.rate()).during(RunSettings.duration()))))
        .protocols(protocol)
        .assertions(
            global().failedRequests().percent().is(0.0),
            details("GET " + RunSettings.path()).responseTime().percentile(99.0).lt(P99_MILLIS));
  }
}
