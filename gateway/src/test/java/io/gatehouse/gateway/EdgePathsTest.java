package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Path normalisation at the edge, end to end over a raw socket (the bytes go exactly as written):
 * every known way past a prefix deny rule (CVE-2021-31920 and its kin) ends at the deny route or
 * a 400, and the recording upstream shows that nothing reached it; what is forwarded is the one
 * normalised path that routes matched (RFC 3986 §5.2.4, §6.2.2), query untouched.
 */
class EdgePathsTest {
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx, "shop");
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: http, port: 0, protocol: HTTP }
          - name: decoding
            port: 0
            pathNormalization: DECODE_AND_MERGE_SLASHES
            originalPathHeader: x-envoy-original-path
          - { name: asis, port: 0, pathNormalization: NONE }
          - { name: redirecting, port: 0, escapedSlashes: UNESCAPE_AND_REDIRECT }
        upstreams: [{ name: shop, endpoints: ["%s"] }]
        routes:
          - { name: admin-deny, hosts: [shop.test], match: [{ path: { prefix: /admin } }], directResponse: { status: 403, body: denied } }
          - { name: shop, hosts: [shop.test], backends: [{ upstream: shop }] }
        """.formatted(upstream.address()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  private static RawHttp.Response get(String listener, String target, String... headers) {
    try (RawHttp raw = RawHttp.connect(gateway.gatehouse.listenerPort(listener))) {
      String[] lines = new String[headers.length + 3];
      lines[0] = "GET " + target + " HTTP/1.1";
      lines[1] = "Host: shop.test";
      lines[2] = "Connection: close";
      System.arraycopy(headers, 0, lines, 3, headers.length);
      return raw.send(lines);
    }
  }

  /** The default listener (MERGE_SLASHES, escaped slashes refused): each bypass is denied or refused, never forwarded. */
  @ParameterizedTest(name = "CVE-2021-31920: {0} -> {1} {2}")
  @CsvSource(delimiter = '|', value = {
      "/%61dmin/x           | 403 | ",                           // RFC 3986 §6.2.2.2: %61 is "a"
      "//admin/x            | 403 | ",                           // merged slashes
      "/x/..%2fadmin/x      | 400 | path_normalization_failed",  // encoded slash: REJECT_REQUEST
      "/x/%2E%2E%2Fadmin/x  | 400 | path_normalization_failed",
      "/x%2f..%2fadmin/x    | 400 | path_normalization_failed",
      "/x/..;/admin/x       | 400 | path_normalization_failed",  // Tomcat's path parameter on a dot segment
      "/x\\..\\admin\\x     | 400 | path_normalization_failed",  // raw backslash (IIS, Windows backends)
      "/x/../admin/x        | 403 | ",                           // RFC 3986 §5.2.4
      "/x/%2e%2e/admin/x    | 403 | ",
  })
  void everyBypassEndsAtTheDenyRouteOrA400(String target, int status, String reason) {
    int before = upstream.requests().size();
    RawHttp.Response r = get("http", target);
    assertEquals(status, r.status(), target + ": " + r.body());
    if (reason == null) {
      assertEquals("denied", r.body());
    } else {
      assertEquals(reason, r.header("x-gatehouse-reason"));
      assertTrue(r.body().contains("\"reason\":\"" + reason + "\""), r.body());
    }
    assertEquals(before, upstream.requests().size(), "the upstream received " + target);
  }

  /** DECODE_AND_MERGE_SLASHES decodes %2F and %5C (UNESCAPE_AND_FORWARD), so the same bypasses reach the deny route. */
  @ParameterizedTest(name = "CVE-2021-31920 decoded: {0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "/%61dmin/x          | 403",
      "//admin/x           | 403",
      "/x/..%2fadmin/x     | 403",
      "/x/%2E%2E%2Fadmin/x | 403",
      "/x%2f..%2fadmin/x   | 403",
      "/x/..%5Cadmin/x     | 403",
      "/x/..;/admin/x      | 400",
      "/x\\..\\admin\\x    | 400",
  })
  void decodingSlashesAlsoEndsAtTheDenyRoute(String target, int status) {
    int before = upstream.requests().size();
    assertEquals(status, get("decoding", target).status(), target);
    assertEquals(before, upstream.requests().size(), "the upstream received " + target);
  }

  @Test
  void theUpstreamGetsTheNormalisedPathAndTheQueryAsSent() {
    RawHttp.Response r = get("http", "/x/./y//z/%7e/%3a/../w?a=%2F..&b=//c");
    assertEquals(200, r.status(), r.body());
    assertEquals("/x/y/z/~/w?a=%2F..&b=//c", upstream.lastRequest().uri());
    assertNull(upstream.lastRequest().header("x-envoy-original-path"), "off by default");
  }

  @Test
  void theOriginalPathHeaderCarriesWhatTheClientSentAndIsNeverTheClients() {
    get("decoding", "/a/%2e%2e/b?q=1", "X-Envoy-Original-Path: /spoofed");
    assertEquals("/b?q=1", upstream.lastRequest().uri());
    assertEquals(List.of("/a/%2e%2e/b?q=1"), upstream.lastRequest().headers().getAll("x-envoy-original-path"));

    get("decoding", "/plain", "X-Envoy-Original-Path: /spoofed");
    assertEquals("/plain", upstream.lastRequest().uri());
    assertNull(upstream.lastRequest().header("x-envoy-original-path"), "only when normalisation changed the path");
  }

  @Test
  void noneForwardsThePathAsSent() {
    assertEquals(200, get("asis", "//admin/x").status());
    assertEquals("//admin/x", upstream.lastRequest().uri());
  }

  @Test
  void unescapeAndRedirectAnswersWithTheNormalisedPath() {
    int before = upstream.requests().size();
    RawHttp.Response r = get("redirecting", "/a%2Fb/%2e%2e/c?q=%2F");
    assertEquals(307, r.status(), r.body());
    assertTrue(r.header("location").endsWith("shop.test/a/c?q=%2F"), r.header("location"));
    assertEquals(before, upstream.requests().size());
  }
}
