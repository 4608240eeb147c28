package io.gatehouse.perf.gatling;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * HTTPS over several SNI names ({@code -Dgatehouse.sniNames}, each resolved to the host of
 * {@code -Dgatehouse.httpsUrl}), HTTP/1.1, after {@code -DwarmUpSeconds} (10) of new connections,
 * two scenarios at once:
 * <ul>
 *   <li>"new TLS connection": each virtual user opens its own connection (full handshake) for a
 *   single request, at {@code -Drate}/4 users per second (default 50 handshakes/s);</li>
 *   <li>"keep-alive": {@code -Dusers} (16) users each keep one connection and send requests
 *   throughout, paced to offer {@code -Drate} (200) req/s together.</li>
 * </ul>
 * Passes when no request fails, p99 of the keep-alive requests stays under {@code -Dp99Ms}
 * (25 ms) and p99 of the new-connection requests (handshake included) under twice that.
 */
public class HttpsSniSimulation extends Simulation {
  private static final int P99_MILLIS = RunSettings.p99Millis(25);
  private static final URI TARGET = URI.create(RunSettings.httpsUrl());
  private static final List<String> NAMES = RunSettings.sniNames();

  private final HttpProtocolBuilder protocol = http
      .hostNameAliases(NAMES.stream().collect(Collectors.toMap(Function.identity(), n -> List.of(TARGET.getHost()))))
      .acceptHeader("*/*")
      .userAgentHeader("gatling/gatehouse-perf");

  /** Round-robin over the SNI names, one per virtual user. */
  private static Iterator<Map<String, Object>> names() {
    return Stream.iterate(0, i -> i + 1)
        .map(i -> Map.<String, Object>of("url", "https://" + NAMES.get(i % NAMES.size()) + ":" + TARGET.getPort()
            + RunSettings.path()))
        .iterator();
  }

  private final ScenarioBuilder warmUp = scenario("warm-up")
      .feed(names())
      .exec(http("warm-up").get("#{url}").check(status().in(200, 204)));

  private final ScenarioBuilder newConnections = scenario("https new connection")
      .feed(names())
      .exec(http("new TLS connection").get("#{url}").check(status().in(200, 204)));

  private final ScenarioBuilder keepAlive = scenario("https keep-alive")
      .feed(names())
      .exec(during(RunSettings.duration()).on(pace(RunSettings.pace(1)).exec(
          http("keep-alive").get("#{url}").check(status().in(200, 204)))));

  {
    setUp(warmUp.injectOpen(constantUsersPerSec(Math.max(1, RunSettings.rate() / 4)).during(RunSettings.warmUp()))
        .andThen(
            newConnections.injectOpen(constantUsersPerSec(Math.max(1, RunSettings.rate() / 4)).during(RunSettings.duration())),
            keepAlive.injectOpen(atOnceUsers(RunSettings.users()))))
        .protocols(protocol)
        .assertions(
            global().failedRequests().percent().is(0.0),
            details("keep-alive").responseTime().percentile(99.0).lt(P99_MILLIS),
            details("new TLS connection").responseTime().percentile(99.0).lt(2 * P99_MILLIS));
  }
}
