package io.gatehouse.gateway;

import static io.gatehouse.gateway.XdsControlPlane.blackHole;
import static io.gatehouse.gateway.XdsControlPlane.edsCluster;
import static io.gatehouse.gateway.XdsControlPlane.endpoints;
import static io.gatehouse.gateway.XdsControlPlane.httpListener;
import static io.gatehouse.gateway.XdsControlPlane.istioHttpFilters;
import static io.gatehouse.gateway.XdsControlPlane.path;
import static io.gatehouse.gateway.XdsControlPlane.prefix;
import static io.gatehouse.gateway.XdsControlPlane.route;
import static io.gatehouse.gateway.XdsControlPlane.routes;
import static io.gatehouse.gateway.XdsControlPlane.snapshot;
import static io.gatehouse.gateway.XdsControlPlane.to;
import static io.gatehouse.gateway.XdsControlPlane.weighted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.gatehouse.admin.source.Backoff;
import io.gatehouse.admin.source.xds.XdsSource;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway as an Istio ingress gateway fed by xDS: a real control plane (Envoy's Java control
 * plane over grpc-java) serves what istiod sends for the Bookinfo ingress example, with real HTTP
 * upstreams as the EDS endpoints. Under load, snapshot changes (reviews v1 to v2, a new route)
 * take effect within a second without a failed request; a bad snapshot is NACKed naming the
 * resource and field while the last good config serves; a restarted control plane is reconnected.
 */
class XdsBookinfoTest {
  private static final String PRODUCTPAGE = "outbound|9080||productpage.default.svc.cluster.local";
  private static final String REVIEWS_V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
  private static final String REVIEWS_V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
  private static final String RATINGS = "outbound|9080||ratings.default.svc.cluster.local";
  private static final String LISTENER = "0.0.0.0_8080";
  private static final String NODE = "router~10.1.2.3~gatehouse-7d9f.istio-system~istio-system.svc.cluster.local";

  private final Vertx vertx = Vertx.vertx();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private <T extends AutoCloseable> T closing(T c) {
    closing.add(c);
    return c;
  }

  /** What istiod sends a gateway for Bookinfo's Gateway (port 8080, hosts "*") and VirtualService, reviews split as given. */
  private Snapshot bookinfo(String version, Ports ports, Map<String, Integer> reviews, boolean ratings, List<HttpFilter> filters,
                            Route... extra) {
    List<Route> rs = new ArrayList<>(List.of(
        route("productpage-exact", path("/productpage"), to(PRODUCTPAGE)),
        route("static", prefix("/static"), to(PRODUCTPAGE)),
        route("login", path("/login"), to(PRODUCTPAGE)),
        route("logout", path("/logout"), to(PRODUCTPAGE)),
        route("api", prefix("/api/v1/products"), to(PRODUCTPAGE)),
        route("reviews", prefix("/reviews"), weighted(reviews))));
    List<Cluster> clusters = new ArrayList<>(List.of(edsCluster(PRODUCTPAGE), edsCluster(REVIEWS_V1), edsCluster(REVIEWS_V2),
        blackHole()));
    List<ClusterLoadAssignment> eds = new ArrayList<>(List.of(endpoints(PRODUCTPAGE, ports.productpage),
        endpoints(REVIEWS_V1, ports.v1), endpoints(REVIEWS_V2, ports.v2)));
    if (ratings) {
      rs.add(route("ratings", prefix("/ratings"), to(RATINGS)));
      clusters.add(edsCluster(RATINGS));
      eds.add(endpoints(RATINGS, ports.ratings));
    }
    rs.addAll(List.of(extra));
    return snapshot(version, clusters, eds,
        List.of(httpListener(LISTENER, "127.0.0.1", 0, "http.8080", filters)),
        List.of(routes("http.8080", List.of("*"), rs)), List.of());
  }

  private record Ports(int productpage, int v1, int v2, int ratings) {}

  @Test
  void servesBookinfoFollowsChangesUnderLoadNacksBadSnapshotsAndReconnects() throws Exception {
    EchoUpstream productpage = closing(EchoUpstream.start(vertx, "productpage"));
    EchoUpstream v1 = closing(EchoUpstream.start(vertx, "reviews-v1"));
    EchoUpstream v2 = closing(EchoUpstream.start(vertx, "reviews-v2"));
    EchoUpstream ratings = closing(EchoUpstream.start(vertx, "ratings"));
    Ports ports = new Ports(productpage.port(), v1.port(), v2.port(), ratings.port());
    XdsControlPlane plane = closing(new XdsControlPlane());
    plane.set(bookinfo("1", ports, Map.of(REVIEWS_V1, 100), false, istioHttpFilters()));

    TestGateway gateway = closing(TestGateway.startRaw("admin: { port: 0 }\n", 1, o -> o.withAllowEmpty(true)));
    java.nio.file.Path token = java.nio.file.Files.writeString(gateway.dir.resolve("istio-token"), "token-1\n");
    XdsSource source = gateway.gatehouse.addXds(new XdsSource.Settings("127.0.0.1", plane.port(), NODE, Optional.empty(),
        Optional.of(token), Map.of("POD_NAMESPACE", "istio-system"), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1))));
    try {
      Await.until("the xDS listener serves /productpage", 30, () -> gateway.gatehouse.listenerPort(LISTENER) > 0
          && "productpage".equals(upstream("/productpage", gateway)));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last answer: " + last + "; /sync: " + gateway.admin("/sync").body() + "; /config: " + gateway.admin("/config").body() + "; /clusters: " + gateway.admin("/clusters").body(), e);
    }

    // The node is an Istio router's: id, namespace, cluster id, labels.
    assertEquals("Bearer token-1", plane.authorizations.get(0), "the token file is sent as a bearer token");
    var node = plane.nodes().get(0);
    assertEquals(NODE, node.getId());
    assertEquals("istio-system", node.getMetadata().getFieldsOrThrow("NAMESPACE").getStringValue());
    assertEquals("Kubernetes", node.getMetadata().getFieldsOrThrow("CLUSTER_ID").getStringValue());
    assertTrue(node.getMetadata().getFieldsOrThrow("LABELS").getStructValue().containsFields("istio"));

    for (String p : List.of("/productpage", "/static/css/style.css", "/login", "/logout", "/api/v1/products/1")) {
      assertEquals("productpage", upstream(p, gateway), p);
    }
    assertEquals("reviews-v1", upstream("/reviews/1", gateway));
    assertEquals(404, get(gateway, "/productpage/extra").statusCode(), "an exact path takes nothing longer");

    // Load on two client threads while the control plane changes the snapshot.
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Thread> load = new ArrayList<>();
    for (String p : List.of("/productpage", "/reviews/1")) {
      Thread t = new Thread(() -> {
        while (running.get()) {
          try {
            HttpResponse<String> r = get(gateway, p);
            if (r.statusCode() == 200) {
              ok.incrementAndGet();
            } else {
              failures.add(p + " -> " + r.statusCode() + " " + r.body());
            }
          } catch (Exception e) {
            failures.add(p + " -> " + e);
          }
        }
      }, "load" + p);
      t.start();
      load.add(t);
    }

    // Changes under load, each measured from the control plane's new snapshot to the gateway's
    // install of the new config: reviews shift to v2, a new route and cluster, back to v1, to v2.
    List<Long> follow = new ArrayList<>();
    follow.add(change(gateway, plane, bookinfo("2", ports, Map.of(REVIEWS_V2, 100), false, istioHttpFilters())));
    assertEquals("reviews-v2", upstream("/reviews/1", gateway));
    follow.add(change(gateway, plane, bookinfo("3", ports, Map.of(REVIEWS_V2, 100), true, istioHttpFilters())));
    assertEquals("ratings", upstream("/ratings/7", gateway));
    follow.add(change(gateway, plane, bookinfo("4", ports, Map.of(REVIEWS_V1, 100), true, istioHttpFilters())));
    assertEquals("reviews-v1", upstream("/reviews/1", gateway));
    follow.add(change(gateway, plane, bookinfo("5", ports, Map.of(REVIEWS_V1, 20, REVIEWS_V2, 80), true, istioHttpFilters())));
    Await.until("both reviews versions answer", 10, () -> "reviews-v1".equals(upstream("/reviews/1", gateway)));
    Await.until("both reviews versions answer", 10, () -> "reviews-v2".equals(upstream("/reviews/1", gateway)));
    follow.add(change(gateway, plane, bookinfo("6", ports, Map.of(REVIEWS_V2, 100), true, istioHttpFilters())));
    assertEquals("reviews-v2", upstream("/reviews/1", gateway));

    // A route with a malformed regex: RDS is NACKed, naming the resource and field; version 3 keeps serving.
    Route bad = Route.newBuilder().setName("broken").setMatch(RouteMatch.newBuilder()
        .setSafeRegex(RegexMatcher.newBuilder().setRegex("/details/(["))).setRoute(to(PRODUCTPAGE)).build();
    plane.set(bookinfo("7", ports, Map.of(REVIEWS_V1, 100), true, istioHttpFilters(), bad));
    Await.until("RDS NACKed", 5, () -> source.nacks("rds") > 0);
    String error = sync(gateway).getString("lastError");
    assertTrue(error.contains("RouteConfiguration \"http.8080\": virtual_hosts[0].routes[7].match.safe_regex.regex"), error);
    Await.until("the NACK reached the control plane", 5, () -> plane.requests.stream().anyMatch(r -> r.hasErrorDetail()
        && r.getErrorDetail().getMessage().contains("safe_regex.regex")));
    assertEquals("reviews-v2", upstream("/reviews/1", gateway), "the last good config keeps serving");

    // An HTTP filter with no Gatehouse equivalent (Lua): LDS is NACKed.
    List<HttpFilter> lua = new ArrayList<>(istioHttpFilters());
    lua.add(0, HttpFilter.newBuilder().setName("envoy.filters.http.lua").setTypedConfig(Any.newBuilder()
        .setTypeUrl("type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua")).build());
    plane.set(bookinfo("8", ports, Map.of(REVIEWS_V2, 100), true, lua));
    Await.until("LDS NACKed", 5, () -> source.nacks("lds") > 0);
    String luaError = sync(gateway).getString("lastError");
    assertTrue(luaError.contains("Listener \"" + LISTENER + "\": filter_chains[0].filters[0].typed_config.http_filters[0].name:"
        + " HTTP filter envoy.filters.http.lua"), luaError);
    assertEquals("reviews-v2", upstream("/reviews/1", gateway));

    running.set(false);
    for (Thread t : load) {
      t.join();
    }
    System.out.printf("xDS: snapshot changes installed after %s ms; %d requests under load, %d failed%n", follow, ok.get(),
        failures.size());
    assertTrue(failures.isEmpty(), failures.size() + " failed of " + (ok.get() + failures.size()) + ": " + failures.peek());
    assertTrue(ok.get() >= 20, "requests served under load: " + ok.get());
    // A shared, loaded test host stalls now and then; the gateway itself follows within a second.
    assertTrue(follow.stream().mapToLong(Long::longValue).min().getAsLong() < 1000, "changes installed after " + follow + " ms");

    String metrics = gateway.gatehouse.metrics().scrape();
    String tag = "source=\"" + source.name() + "\"";
    assertTrue(metrics.contains("gatehouse_xds_connected{" + tag + "} 1.0"), metrics);
    assertTrue(metrics.contains("gatehouse_xds_nacks_total{" + tag + ",type=\"rds\"}"), metrics);
    JsonObject status = sync(gateway);
    assertEquals("xds", status.getString("kind"));
    assertTrue(status.getJsonArray("warnings").encode().contains("istio.stats ignored"), status.encode());

    // The control plane goes away: the gateway keeps serving, reports it, and reconnects when it is back.
    plane.stop();
    Await.until("disconnected", 5, () -> !source.connected());
    assertTrue(sync(gateway).getJsonArray("warnings").encode().contains("not connected"), sync(gateway).encode());
    assertEquals("reviews-v2", upstream("/reviews/1", gateway));
    plane.set(bookinfo("9", ports, Map.of(REVIEWS_V1, 100), true, istioHttpFilters()));
    java.nio.file.Files.writeString(token, "token-2");
    plane.restart();
    Await.until("reconnected and following again", 10, () -> "reviews-v1".equals(upstream("/reviews/1", gateway)));
    assertTrue(source.connected());
    assertTrue(plane.nodes().size() >= 2, "a new stream presents the node again");
    assertEquals("Bearer token-2", plane.authorizations.get(plane.authorizations.size() - 1), "a rotated token is read again");
  }

  /** Sets {@code snapshot} and answers how many milliseconds later the gateway installed the config it makes. */
  private static long change(TestGateway gateway, XdsControlPlane plane, Snapshot snapshot) {
    long before = gateway.gatehouse.store().version();
    long start = System.nanoTime();
    plane.set(snapshot);
    Await.until("a new config installed after snapshot " + snapshot.clusters().version(), 10,
        () -> gateway.gatehouse.store().version() > before);
    return (System.nanoTime() - start) / 1_000_000;
  }

  private JsonObject sync(TestGateway gateway) {
    JsonArray sources = new JsonObject(gateway.admin("/sync").body()).getJsonArray("sources");
    for (int i = 0; i < sources.size(); i++) {
      if (sources.getJsonObject(i).getString("name").startsWith("xds:")) {
        return sources.getJsonObject(i);
      }
    }
    throw new AssertionError("no xds source in /sync: " + sources.encode());
  }

  private volatile String last = "";

  /** Which upstream answered {@code path}; empty when none did (the last answer is kept for failure messages). */
  private String upstream(String path, TestGateway gateway) {
    try {
      HttpResponse<String> r = get(gateway, path);
      last = path + " -> " + r.statusCode() + " " + r.body();
      return r.headers().firstValue("x-upstream").orElse("");
    } catch (Exception e) {
      last = path + " -> " + e;
      return "";
    }
  }

  private HttpResponse<String> get(TestGateway gateway, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gatehouse.listenerPort(LISTENER) + path))
.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
