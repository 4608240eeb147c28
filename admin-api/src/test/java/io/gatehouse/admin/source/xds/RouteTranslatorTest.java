package io.gatehouse.admin.source.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.PathMatch;
import io.gatehouse.routes.StringMatch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** RDS route configurations as native routes: what translates, and what is refused naming the field. */
class RouteTranslatorTest {
  private static io.gatehouse.routes.Route only(RouteConfiguration config, Findings f) {
    List<io.gatehouse.routes.Route> routes = RouteTranslator.translate(config, f);
    assertEquals(List.of(), f.problems());
    assertEquals(1, routes.size());
    return routes.get(0);
  }

  private static RouteConfiguration config(List<String> domains, Route route) {
    return RouteConfiguration.newBuilder().setName("http.8080")
        .addVirtualHosts(VirtualHost.newBuilder().setName("vh").addAllDomains(domains).addRoutes(route)).build();
  }

  private static Route.Builder to(String cluster) {
    return Route.newBuilder().setName("r").setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(RouteAction.newBuilder().setCluster(cluster));
  }

  @ParameterizedTest
  @CsvSource({
      "bookinfo.example.com, bookinfo.example.com",
      "bookinfo.example.com:80, bookinfo.example.com",
      "bookinfo.example.com:*, bookinfo.example.com",
      "*.example.com:443, *.example.com",
      "*, *",
      "[::1]:80, [::1]",
      "BOOKINFO.Example.com, bookinfo.example.com"})
  void domainsBecomeHostsWithoutPorts(String domain, String host) {
    Findings f = new Findings(XdsType.RDS, "http.8080");
    assertEquals(List.of(host), only(config(List.of(domain), to("c").build()), f).hosts());
  }

  @Test
  void prefixWildcardDomainsAreRefusedNamingTheField() {
    Findings f = new Findings(XdsType.RDS, "http.8080");
    RouteTranslator.translate(config(List.of("bookinfo.*"), to("c").build()), f);
    assertEquals(1, f.problems().size());
    assertTrue(f.problems().get(0).startsWith("RouteConfiguration \"http.8080\": virtual_hosts[0].domains[0]: "),
        f.problems().get(0));
  }

  @Test
  void matchesTranslate() {
    Route route = to("c").setMatch(RouteMatch.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("/api/v[0-9]+/.*"))
        .addHeaders(HeaderMatcher.newBuilder().setName("X-Canary").setStringMatch(StringMatcher.newBuilder().setExact("1")))
        .addHeaders(HeaderMatcher.newBuilder().setName("x-user").setPresentMatch(true))
        .addHeaders(HeaderMatcher.newBuilder().setName("x-env").setStringMatch(StringMatcher.newBuilder().setSuffix(".prod")))
        .setGrpc(RouteMatch.GrpcRouteMatchOptions.getDefaultInstance())).build();
    var match = only(config(List.of("*"), route), new Findings(XdsType.RDS, "x")).match().get(0);
    assertEquals(new PathMatch.Regex("/api/v[0-9]+/.*"), match.path());
    assertEquals(new StringMatch.Exact("1"), match.headers().get("x-canary"));
    assertEquals(new StringMatch.Present(), match.headers().get("x-user"));
    assertEquals(new StringMatch.Regex(".*\\.prod"), match.headers().get("x-env"));
    assertEquals(new StringMatch.Prefix("application/grpc"), match.headers().get("content-type"));
  }

  @Test
  void pathSeparatedPrefixTakesThePathAndWhatIsBelowIt() {
    Route route = to("c").setMatch(RouteMatch.newBuilder().setPathSeparatedPrefix("/api")).build();
    var matches = only(config(List.of("*"), route), new Findings(XdsType.RDS, "x")).match();
    assertEquals(List.of(new PathMatch.Exact("/api"), new PathMatch.Prefix("/api/")), matches.stream().map(m -> m.path()).toList());
  }

  @Test
  void aMalformedRegexFailsNamingResourceRouteAndField() {
    Route bad = to("c").setMatch(RouteMatch.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("/details/(["))).build();
    RouteConfiguration config = RouteConfiguration.newBuilder().setName("http.8080").addVirtualHosts(VirtualHost.newBuilder()
        .setName("vh").addDomains("*").addRoutes(to("c")).addRoutes(bad)).build();
    Findings f = new Findings(XdsType.RDS, "http.8080");
    RouteTranslator.translate(config, f);
    assertEquals(1, f.problems().size(), f.problems().toString());
    assertTrue(f.problems().get(0).startsWith(
        "RouteConfiguration \"http.8080\": virtual_hosts[0].routes[1].match.safe_regex.regex: regex \"/details/([\" is not valid RE2"),
        f.problems().get(0));
  }

  @Test
  void refusedFeaturesNameTheirField() {
    record Case(Route route, String field) {}
    List<Case> cases = List.of(
        new Case(to("c").setMatch(RouteMatch.newBuilder().setPrefix("/").setCaseSensitive(BoolValue.of(false))).build(),
            "routes[0].match.case_sensitive"),
        new Case(to("c").setMatch(RouteMatch.newBuilder().setPrefix("/").addHeaders(HeaderMatcher.newBuilder().setName("x")
            .setExactMatch("1").setInvertMatch(true))).build(), "routes[0].match.headers[0].invert_match"),
        new Case(to("c").setRoute(RouteAction.newBuilder().setClusterHeader("x-cluster")).build(), "routes[0].route"),
        new Case(to("c").putTypedPerFilterConfig("envoy.filters.http.lua", com.google.protobuf.Any.getDefaultInstance()).build(),
            "routes[0].typed_per_filter_config[envoy.filters.http.lua]"),
        new Case(to("c").addRequestHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder()
            .setKey("x-client").setValue("%DOWNSTREAM_REMOTE_ADDRESS%"))).build(), "routes[0].request_headers_to_add[0]"));
    for (Case c : cases) {
      Findings f = new Findings(XdsType.RDS, "http.8080");
      RouteTranslator.translate(config(List.of("*"), c.route()), f);
      assertEquals(1, f.problems().size(), c + ": " + f.problems());
      assertTrue(f.problems().get(0).contains("virtual_hosts[0]." + c.field() + ":"), f.problems().get(0));
    }
  }

  @Test
  void weightedClustersRetriesTimeoutsAndHeaderEdits() {
    Route route = Route.newBuilder().setName("reviews").setMatch(RouteMatch.newBuilder().setPrefix("/reviews"))
        .setRoute(RouteAction.newBuilder().setWeightedClusters(WeightedCluster.newBuilder()
                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("v1").setWeight(UInt32Value.of(80)))
                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("v2").setWeight(UInt32Value.of(20)))
                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("v3").setWeight(UInt32Value.of(0))))
            .setPrefixRewrite("/v1/reviews").setHostRewriteLiteral("reviews.internal")
            .setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("connect-failure,gateway-error,retriable-status-codes")
                .addRetriableStatusCodes(429).setNumRetries(UInt32Value.of(3))
                .setPerTryTimeout(com.google.protobuf.Duration.newBuilder().setNanos(500_000_000))))
        .addRequestHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("X-Env").setValue("route"))
            .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
        .addResponseHeadersToRemove("server").build();
    RouteConfiguration config = RouteConfiguration.newBuilder().setName("http.8080")
        .addRequestHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-env").setValue("config"))
            .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
        .addRequestHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-trace").setValue("1")))
        .addVirtualHosts(VirtualHost.newBuilder().setName("vh").addDomains("*").addRoutes(route)).build();
    var r = only(config, new Findings(XdsType.RDS, "http.8080"));
    assertEquals(new Action.Forward(List.of(new Action.Backend("v1", 80), new Action.Backend("v2", 20))), r.action());
    assertEquals(RouteTranslator.ENVOY_DEFAULT_TIMEOUT, r.timeout(), "no timeout set: Envoy's 15 s");
    assertEquals(3, r.retries().attempts());
    assertEquals(Duration.ofMillis(500), r.retries().perTryTimeout());
    assertTrue(r.retries().onConnectFailure());
    assertEquals(Set.of(429, 502, 503, 504), r.retries().onStatuses());
    assertEquals("reviews.internal", r.rewrite().host());
    assertEquals(new io.gatehouse.routes.Rewrite.PathRewrite.Prefix("/v1/reviews"), r.rewrite().path());
    assertEquals(Map.of("x-env", "route"), r.headers().request().set(), "the route's edit wins over the configuration's");
    assertEquals(Map.of("x-trace", "1"), r.headers().request().add(), "append (the default) adds");
    assertEquals(List.of("server"), r.headers().response().remove());
  }

  @Test
  void redirectsAndDirectResponses() {
    Route redirect = Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRedirect(RedirectAction.newBuilder().setHttpsRedirect(true).setResponseCode(RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT))
        .build();
    assertEquals(new Action.Redirect("https", "", 0, "", 308),
        only(config(List.of("*"), redirect), new Findings(XdsType.RDS, "x")).action());
    Route direct = Route.newBuilder().setMatch(RouteMatch.newBuilder().setPath("/healthz"))
        .setDirectResponse(io.envoyproxy.envoy.config.route.v3.DirectResponseAction.newBuilder().setStatus(200)
            .setBody(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder().setInlineString("ok"))).build();
    assertEquals(new Action.DirectResponse(200, "ok"), only(config(List.of("*"), direct), new Findings(XdsType.RDS, "x")).action());
  }
}
