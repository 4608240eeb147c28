package io.gatehouse.perf.gatling;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * HTTP/2 over TLS (ALPN h2) to {@code -Dgatehouse.httpsUrl}, addressed by the first of
 * {@code -Dgatehouse.sniNames}: {@code -Dusers} (16) users each on their own h2 connection, sending
 * a main request followed by 4 concurrent ones (multiplexed streams), paced to offer {@code -Drate}
 * (200) req/s together, after {@code -DwarmUpSeconds} (10) of the same. Passes when no request fails and p99 stays under {@code -Dp99Ms} (25 ms).
 */
public class Http2Simulation extends Simulation {
  private static final int P99_MILLIS = RunSettings.p99Millis(25);
  private static final URI TARGET = URI.create(RunSettings.httpsUrl());
  private static final String NAME = RunSettings.sniNames().get(0);
  private static final String PATH = RunSettings.path();

  private final HttpProtocolBuilder protocol = http
      .baseUrl("https://" + NAME + ":" + TARGET.getPort())
      .hostNameAliases(Map.of(NAME, List.of(TARGET.getHost())))
      .enableHttp2()
      .http2PriorKnowledge(Map.of(NAME + ":" + TARGET.getPort(), true))
      .acceptHeader("*/*")
      .userAgentHeader("gatling/gatehouse-perf");

  private final ScenarioBuilder warmUp = scenario("warm-up")
      .exec(during(RunSettings.warmUp()).on(pace(RunSettings.pace(1)).exec(http("warm-up").get(PATH).check(status().in(200, 204)))));

  private final ScenarioBuilder h2 = scenario("http2")
      .exec(during(RunSettings.duration()).on(pace(RunSettings.pace(5)).exec(
          http("h2 main").get(PATH).check(status().in(200, 204))
              .resources(
                  http("h2 stream 1").get(PATH).check(status().in(200, 204)),
                  http("h2 stream 2").get(PATH).check(status().in(200, 204)),
                  http("h2 stream 3").get(PATH).check(status().in(200, 204)),
                  http("h2 stream 4").get(PATH).check(status().in(200, 204))))));

  {
    setUp(warmUp.injectOpen(atOnceUsers(RunSettings.users()))
        .andThen(h2.injectOpen(atOnceUsers(RunSettings.users()))))
        .protocols(protocol)
        .assertions(
            global().failedRequests().percent().is(0.0),
            details("h2 main").responseTime().percentile(99.0).lt(P99_MILLIS),
            details("h2 stream 1").responseTime().percentile(99.0).lt(P99_MILLIS));
  }
}
