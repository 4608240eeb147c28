package io.gatehouse.perf.gatling;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Config churn: while {@code -Drate} (200) req/s go through the gateway, routes are changed through
 * the admin API {@code -Dchurn} (5) times a second (after {@code -DwarmUpSeconds} (10) of traffic alone). Each change is {@code PUT /routes/churn-N} (N
 * cycles over 3 names) with a native route object for host {@code churn.test} that forwards to
 * {@code -Dgatehouse.upstream} and sets a response header carrying a counter, so every PUT is a
 * real change, followed by {@code GET /config} (200, with a version). Traffic goes both to
 * {@code -Dgatehouse.path} on the base URL (an unchanged route) and to {@code churn.test}, whose
 * routes are the ones being replaced; a {@code churn.test} answer must carry {@code x-churn}, so one
 * that a catch-all route gave (a churned route missing for a moment) fails. Passes when no request
 * fails, data or admin, and p99 of the data requests stays under {@code -Dp99Ms} (50 ms).
 *
 * <p>Needs a gateway with the admin routes API ({@code PUT /routes/{name}}, {@code GET /config}).
 */
public class ConfigChurnSimulation extends Simulation {
  private static final int P99_MILLIS = RunSettings.p99Millis(50);
  private static final int CHURN_PER_SECOND = Integer.getInteger("churn", 5);
  private static final String CHURN_HOST = "churn.test";
  private static final AtomicLong CHANGES = new AtomicLong();

  private final HttpProtocolBuilder protocol = http.baseUrl(RunSettings.baseUrl())
      .shareConnections()
      .acceptHeader("*/*")
      .userAgentHeader("gatling/gatehouse-perf");

  /** A native route object (the shape of one entry of {@code routes:} in YAML, as JSON). */
  static String route(String name, long change) {
    return """
        {"name": "%s", "hosts": ["%s"], "match": [{"path": {"prefix": "/"}}],
         "backends": [{"upstream": "%s", "weight": 1}],
         "headers": {"response": {"set": {"x-churn": "%d"}}}}""".formatted(name, CHURN_HOST, RunSettings.churnUpstream(), change);
  }

  private static Iterator<Map<String, Object>> changes() {
    return Stream.generate(() -> {
      long n = CHANGES.incrementAndGet();
      String name = "churn-" + (n % 3);
      return Map.<String, Object>of("name", name, "body", route(name, n));
    }).iterator();
  }

  private final ScenarioBuilder warmUp = scenario("warm-up")
      .exec(http("warm-up").get(RunSettings.path()).check(status().in(200, 204)))
      .exec(http("warm-up").get("/").header("Host", CHURN_HOST)
          .check(status().in(200, 204), header("x-churn").exists()));

  private final ScenarioBuilder traffic = scenario("traffic during churn")
      .exec(http("data stable route").get(RunSettings.path()).check(status().in(200, 204)))
      .exec(http("data churned route").get("/").header("Host", CHURN_HOST)
          .check(status().in(200, 204), header("x-churn").exists()));

  private final ScenarioBuilder churn = scenario("admin churn")
      .feed(changes())
      .exec(http("admin PUT route").put(RunSettings.adminUrl() + "/routes/#{name}")
          .header("content-type", "application/json")
          .body(StringBody("#{body}"))
          .check(status().in(200, 201, 204)))
      .exec(http("admin GET config").get(RunSettings.adminUrl() + "/config")
          .check(status().is(200), jsonPath("$.version").exists()));

  @Override public void before() {
    // The churned routes exist before traffic starts, so "churn.test" never answers 404.
    HttpClient client = HttpClient.newHttpClient();
    for (int i = 0; i < 3; i++) {
      String name = "churn-" + i;
      HttpRequest put = HttpRequest.newBuilder(URI.create(RunSettings.adminUrl() + "/routes/" + name))
          .header("content-type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString(route(name, 0)))
          .build();
      try {
        HttpResponse<String> response = client.send(put, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
          throw new IllegalStateException("PUT /routes/" + name + " answered " + response.statusCode() + ": " + response.body());
        }
      } catch (IOException e) {
        throw new IllegalStateException("admin API " + RunSettings.adminUrl() + " unreachable: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  {
    int half = Math.max(1, RunSettings.rate() / 2);
    setUp(warmUp.injectOpen(constantUsersPerSec(half).during(RunSettings.warmUp())).andThen(
        traffic.injectOpen(constantUsersPerSec(half).during(RunSettings.duration())),
        churn.injectOpen(constantUsersPerSec(CHURN_PER_SECOND).during(RunSettings.duration()))))
        .protocols(protocol)
        .assertions(
            global().failedRequests().percent().is(0.0),
            details("data stable route").responseTime().percentile(99.0).lt(P99_MILLIS),
            details("data churned route").responseTime().percentile(99.0).lt(P99_MILLIS));
  }
}
