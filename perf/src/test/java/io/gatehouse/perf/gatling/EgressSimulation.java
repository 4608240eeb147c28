package io.gatehouse.perf.gatling;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.Proxy;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.net.URI;

/**
 * Egress through the gateway's forward proxy ({@code -Dgatehouse.egressProxy=host:port}, an EGRESS
 * listener), after {@code -DwarmUpSeconds} (10) of both allowed kinds, three scenarios at once:
 * <ul>
 *   <li>absolute-form: {@code GET http://host/path} to {@code -Dgatehouse.egressHttpTarget}, which
 *   {@code egress.allow} must let through, at {@code -Drate}/2 (100) req/s;</li>
 *   <li>CONNECT: HTTPS to {@code -Dgatehouse.egressTlsTarget} (also allowed), tunnelled, at
 *   {@code -Drate}/2 req/s, each user with its own tunnel;</li>
 *   <li>denied: a destination the allow-list does not name ({@code -Dgatehouse.egressDeniedTarget})
 *   must answer 403, at 5 req/s.</li>
 * </ul>
 * Passes when no request fails (a 403 on the denied scenario is the expected answer) and p99 of
 * the allowed requests stays under {@code -Dp99Ms} (50 ms). Targets on loopback need a {@code cidr}
 * entry ({@code 127.0.0.0/8} with their ports): {@code 127/8} is a denied range that a host entry
 * cannot open. Gatling trusts any certificate of the HTTPS target.
 */
public class EgressSimulation extends Simulation {
  private static final int P99_MILLIS = RunSettings.p99Millis(50);
  private static final URI PROXY = RunSettings.egressProxy();

  private final HttpProtocolBuilder protocol = http
      .proxy(Proxy(PROXY.getHost(), PROXY.getPort()))
      .acceptHeader("*/*")
      .userAgentHeader("gatling/gatehouse-perf");

  private final ScenarioBuilder warmUp = scenario("warm-up")
      .exec(http("warm-up").get(RunSettings.egressHttpTarget() + RunSettings.path()).check(status().in(200, 204)))
      .exec(http("warm-up").get(RunSettings.egressTlsTarget() + RunSettings.path()).check(status().in(200, 204)));

  private final ScenarioBuilder absoluteForm = scenario("egress absolute-form")
      .exec(http("egress http").get(RunSettings.egressHttpTarget() + RunSettings.path()).check(status().in(200, 204)));

  private final ScenarioBuilder connect = scenario("egress CONNECT")
      .exec(http("egress connect").get(RunSettings.egressTlsTarget() + RunSettings.path()).check(status().in(200, 204)));

  private final ScenarioBuilder denied = scenario("egress denied")
      .exec(http("egress denied").get(RunSettings.egressDeniedTarget()).check(status().is(403)));

  {
    int half = Math.max(1, RunSettings.rate() / 2);
    setUp(warmUp.injectOpen(constantUsersPerSec(half).during(RunSettings.warmUp())).andThen(
        absoluteForm.injectOpen(constantUsersPerSec(half).during(RunSettings.duration())),
        connect.injectOpen(constantUsersPerSec(half).during(RunSettings.duration())),
        denied.injectOpen(constantUsersPerSec(5).during(RunSettings.duration()))))
        .protocols(protocol)
        .assertions(
            global().failedRequests().percent().is(0.0),
            details("egress http").responseTime().percentile(99.0).lt(P99_MILLIS),
            details("egress connect").responseTime().percentile(99.0).lt(P99_MILLIS));
  }
}
