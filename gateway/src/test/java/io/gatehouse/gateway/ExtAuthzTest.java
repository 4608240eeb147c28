package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CUSTOM policies ask a real HTTP authorization service on port 0, with Envoy's ext_authz HTTP semantics. */
class ExtAuthzTest {
  record Check(String method, String uri, MultiMap headers) {}

  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;
  static HttpServer authz;
  static final List<Check> checks = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    authz = Await.result(vertx.createHttpServer().requestHandler(r -> {
      checks.add(new Check(r.method().name(), r.uri(), MultiMap.caseInsensitiveMultiMap().addAll(r.headers())));
      String path = r.path();
      if (path.contains("/slow")) {
        return; // never answers: the gateway's timeout decides
      }
      if ("alice".equals(r.getHeader("x-user"))) {
        r.response().putHeader("x-auth-user", "alice@corp").putHeader("x-not-for-upstream", "1").end();
      } else {
        r.response().setStatusCode(403).putHeader("x-reason", "unknown user")
            .putHeader("www-authenticate", "Basic realm=corp").end("go away");
      }
    }).listen(0, "127.0.0.1"));
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    gateway = TestGateway.start("""
        upstreams: [{ name: up, endpoints: ["%1$s"] }]
        routes: [{ name: all, backends: [{ upstream: up }] }]
        extAuthz:
          - name: corp
            uri: http://127.0.0.1:%2$d/check
            timeout: 300ms
            headersToSend: [x-user]
            headersToUpstream: [x-auth-user]
          - { name: lenient, uri: "http://127.0.0.1:%2$d/check", timeout: 300ms, failOpen: true }
          - { name: down, uri: "http://127.0.0.1:%3$d", statusOnError: 503 }
        authorization:
          - { name: corp-api, action: CUSTOM, provider: corp, rules: [{ to: [{ operation: { paths: [/api/*] } }] }] }
          - { name: lenient-api, action: CUSTOM, provider: lenient, rules: [{ to: [{ operation: { paths: [/lenient/*] } }] }] }
          - { name: down-api, action: CUSTOM, provider: down, rules: [{ to: [{ operation: { paths: [/down/*] } }] }] }
          - name: no-delete
            action: DENY
            rules: [{ to: [{ operation: { methods: [DELETE] } }] }]
        """.formatted(upstream.address(), authz.actualPort(), closed));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    authz.close();
    vertx.close();
  }

  @Test
  void anAllowedRequestGoesUpstreamWithTheServicesHeaders() {
    checks.clear();
    TestGateway.TestResponse r = gateway.get("/api/orders?page=2", Map.of("x-user", "alice", "authorization", "Basic x",
        "x-secret", "not sent"));
    assertEquals(200, r.status(), r.body());
    Check check = checks.get(0);
    assertEquals("GET", check.method());
    assertEquals("/check/api/orders?page=2", check.uri());
    assertEquals("alice", check.headers().get("x-user"));
    assertEquals("Basic x", check.headers().get("authorization"));
    assertEquals("127.0.0.1:" + gateway.port(), check.headers().get("host"));
    assertNull(check.headers().get("x-secret"), "only the configured headers are sent");
    assertEquals("alice@corp", upstream.lastRequest().header("x-auth-user"));
    assertNull(upstream.lastRequest().header("x-not-for-upstream"));
  }

  @Test
  void aDenialIsReturnedToTheClientAsTheServiceWroteIt() {
    int before = upstream.requests().size();
    TestGateway.TestResponse r = gateway.get("/api/orders", Map.of("x-user", "mallory"));
    assertEquals(403, r.status());
    assertEquals("go away", r.body());
    assertEquals("unknown user", r.header("x-reason"));
    assertEquals("Basic realm=corp", r.header("www-authenticate"));
    assertEquals(before, upstream.requests().size(), "nothing reached the upstream");
    Await.until("the access log names the policy", 5, () -> gateway.accessLog().contains("\"policy\":\"CUSTOM corp-api\""));
  }

  @Test
  void aSlowServiceTimesOutClosed() {
    long start = System.nanoTime();
    TestGateway.TestResponse r = gateway.get("/api/slow");
    assertEquals(403, r.status(), r.body());
    assertEquals("ext_authz_error", new JsonObject(r.body()).getString("reason"));
    assertTrue(System.nanoTime() - start < 5_000_000_000L);
  }

  @Test
  void aSlowServiceFailsOpenWhenConfigured() {
    assertEquals(200, gateway.get("/lenient/slow").status());
  }

  @Test
  void anUnreachableServiceAnswersItsStatusOnError() {
    TestGateway.TestResponse r = gateway.get("/down/x");
    assertEquals(503, r.status(), r.body());
    assertEquals("ext_authz_error", r.header("x-gatehouse-reason"));
  }

  @Test
  void aDenyPolicyStillAppliesAfterTheServiceAllowed() {
    TestGateway.TestResponse r = gateway.send(gateway.request("/api/orders", Map.of("x-user", "alice"))
        .method("DELETE", java.net.http.HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(403, r.status());
    assertEquals("rbac_access_denied", r.header("x-gatehouse-reason"));
  }

  @Test
  void requestsNoCustomPolicyMatchesAreNotChecked() {
    checks.clear();
    assertEquals(200, gateway.get("/public").status());
    assertTrue(checks.isEmpty());
  }
}
