package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.gateway.upstream.SessionCookies;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sticky sessions against two real upstreams: the cookie the gateway sets pins a client to the
 * endpoint that answered it, a pinned endpoint that goes unhealthy hands the client over (with a
 * fresh cookie), and a forged, foreign or expired cookie pins nothing.
 */
class StickySessionTest {
  Vertx vertx;
  EchoUpstream a;
  EchoUpstream b;
  TestGateway gateway;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    a = EchoUpstream.start(vertx, "a");
    b = EchoUpstream.start(vertx, "b");
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    a.close();
    b.close();
    vertx.close();
  }

  private void startGateway(String healthCheck) {
    gateway = TestGateway.start("""
        upstreams:
          - name: u
            endpoints: ["%s", "%s"]
            %s
        routes:
          - name: shop
            backends: [{ upstream: u }]
            stickySession: { cookie: gh-shop, ttl: 1h, path: /, secure: true, sameSite: Strict }
        """.formatted(a.address(), b.address(), healthCheck));
  }

  /** The cookie's {@code name=value} pair from a Set-Cookie header. */
  private static String pair(String setCookie) {
    assertNotNull(setCookie, "the response sets the sticky cookie");
    return setCookie.split(";", 2)[0];
  }

  private Set<String> servedBy(int requests, Map<String, String> headers) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < requests; i++) {
      TestGateway.TestResponse r = gateway.get("/cart/" + i, headers);
      assertEquals(200, r.status(), r.headers() + " " + r.body());
      seen.add(r.header("x-upstream"));
    }
    return seen;
  }

  @Test
  void theCookiePinsAClientToOneEndpointAcrossManyRequests() {
    startGateway("");
    assertEquals(Set.of("a", "b"), servedBy(4, Map.of()), "without the cookie round robin spreads requests");

    TestGateway.TestResponse first = gateway.get("/cart");
    String setCookie = first.header("set-cookie");
    assertTrue(setCookie.startsWith("gh-shop="), setCookie);
    assertTrue(setCookie.contains("Max-Age=3600") && setCookie.contains("Path=/") && setCookie.contains("Secure")
        && setCookie.contains("HTTPOnly") && setCookie.contains("SameSite=Strict"), setCookie);
    assertTrue(!setCookie.contains(a.address()) && !setCookie.contains(b.address()), "the endpoint is sealed: " + setCookie);
    String pinned = first.header("x-upstream");
    for (int i = 0; i < 40; i++) {
      TestGateway.TestResponse r = gateway.get("/cart/" + i, Map.of("cookie", pair(setCookie)));
      assertEquals(pinned, r.header("x-upstream"), "request " + i + " stays on the pinned endpoint");
      assertNull(r.header("set-cookie"), "a cookie that already names the endpoint is not set again");
    }
  }

  @Test
  void aPinnedEndpointThatGoesDownHandsTheClientOverWithAFreshCookie() {
    startGateway("healthCheck: { path: /healthz, interval: 100ms, timeout: 3s, healthyThreshold: 1, unhealthyThreshold: 1 }");
    TestGateway.TestResponse first = gateway.get("/cart");
    String cookie = pair(first.header("set-cookie"));
    EchoUpstream pinned = "a".equals(first.header("x-upstream")) ? a : b;
    String other = pinned == a ? "b" : "a";

    pinned.kill();
    // Both facts: with the other endpoint failing a slow check too, the balancer would be in panic mode.
    Await.until("the pinned endpoint leaves the balancer, the other stays", 10, () -> gateway.gatehouse.dataplane()
        .current().upstreams().get("u").endpoints().stream()
        .allMatch(e -> e.healthy() == !e.label().equals(pinned.address())));
    TestGateway.TestResponse moved = gateway.get("/cart", Map.of("cookie", cookie));
    assertEquals(200, moved.status(), moved.headers() + " " + moved.body());
    assertEquals(other, moved.header("x-upstream"), "the balancer picks a live endpoint");
    String fresh = pair(moved.header("set-cookie"));
    assertNotEquals(cookie, fresh, "the cookie is re-set to the new endpoint");

    pinned.revive();
    Await.until("the old endpoint is healthy again", 10, () -> gateway.gatehouse.dataplane().current().upstreams()
        .get("u").endpoints().stream().allMatch(e -> e.healthy()));
    assertEquals(Set.of(other), servedBy(10, Map.of("cookie", fresh)), "the client stays where it was moved");
    assertEquals(Set.of(pinned == a ? "a" : "b"), servedBy(4, Map.of("cookie", cookie)),
        "the old cookie is still valid and its endpoint is back");
  }

  @Test
  void anUnwritableStateDirectoryGivesAKeyOfThisProcessOnly() throws Exception {
    Path notADirectory = Files.createTempFile("gatehouse-state", ".file");
    try {
      SessionCookies key = SessionCookies.load(notADirectory.resolve("state"));
      SessionCookies.Pin pin = new SessionCookies.Pin("u", "127.0.0.1:1");
      assertEquals(java.util.Optional.of(pin), key.open("c", key.seal("c", pin, 0), System.currentTimeMillis() / 1000));
    } finally {
      Files.delete(notADirectory);
    }
  }

  @Test
  void forgedForeignAndExpiredCookiesPinNothing() throws Exception {
    startGateway("");
    Path state = gateway.dir.resolve("state");
    Path keyFile = state.resolve(SessionCookies.KEY_FILE);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
    SessionCookies gatewayKey = SessionCookies.load(state);
    SessionCookies.Pin toB = new SessionCookies.Pin("u", b.address());
    long now = System.currentTimeMillis() / 1000;

    String shared = gatewayKey.seal("gh-shop", toB, now + 600);
    assertEquals(Set.of("b"), servedBy(6, Map.of("cookie", "gh-shop=" + shared)),
        "a cookie sealed with the gateway's key file (as a replica sharing it would) pins");

    String value = gatewayKey.seal("gh-shop", toB, now + 600);
    int middle = value.length() / 2; // every bit of a middle character counts (the last one's low bits may not)
    String forged = value.substring(0, middle) + (value.charAt(middle) == 'A' ? 'B' : 'A') + value.substring(middle + 1);
    String foreign = SessionCookies.ephemeral().seal("gh-shop", toB, now + 600);
    String expired = gatewayKey.seal("gh-shop", toB, now - 1);
    String otherCookie = gatewayKey.seal("other", toB, now + 600);
    for (String bad : new String[] {forged, foreign, expired, otherCookie, "not-base64!", ""}) {
      Map<String, String> headers = Map.of("cookie", "gh-shop=" + bad);
      TestGateway.TestResponse r = gateway.get("/cart", headers);
      assertEquals(200, r.status());
      assertNotNull(r.header("set-cookie"), "an ignored cookie is replaced: " + bad);
      assertEquals(Set.of("a", "b"), servedBy(4, headers), "round robin, not pinned, with " + bad);
    }
  }
}
