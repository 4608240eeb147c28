package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.certs.CertFactory;
import io.gatehouse.certs.IssuedCert;
import io.gatehouse.certs.KeyFormat;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin API against a running gateway with a real HTTP client: every endpoint, bearer auth,
 * concurrent If-Match writes, rollback, invalid writes that leave the old config serving, and no
 * private key in any answer.
 */
class AdminApiTest {
  private static final String TOKEN = "s3cret-admin-token";
  private static final Map<String, String> AUTH = Map.of("authorization", "Bearer " + TOKEN);
  private static final Map<String, String> JSON = Map.of("authorization", "Bearer " + TOKEN, "content-type", "application/json");

  static Vertx vertx;
  static EchoUpstream upstream;
  static Path pki;
  static IssuedCert ca;
  static IssuedCert site;
  TestGateway gateway;
  /** Every admin response body of a test, scanned for key material at the end. */
  final List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    pki = Files.createTempDirectory("admin-pki");
    CertFactory certs = CertFactory.ecdsa();
    ca = certs.ca("Admin Test CA", Duration.ofDays(30));
    certs.server(ca, Duration.ofDays(30), "localhost").write(pki.resolve("tls.crt"), pki.resolve("tls.key"), KeyFormat.PKCS8);
    site = certs.server(ca, Duration.ofDays(30), "shop.example.com", "www.shop.example.com");
    ca.write(pki.resolve("ca.crt"), pki.resolve("ca.key"), KeyFormat.PKCS8);
    certs.client(ca, Duration.ofDays(30), "spiffe://cluster.local/ns/ops/sa/admin")
        .write(pki.resolve("client.crt"), pki.resolve("client.key"), KeyFormat.PKCS8);
    Files.writeString(pki.resolve("token"), TOKEN + "\n");
  }

  @AfterAll
  static void stop() {
    upstream.close();
    vertx.close();
  }

  @AfterEach
  void close() {
    if (gateway != null) {
      gateway.close();
    }
    for (String body : bodies) {
      assertFalse(body.contains("PRIVATE KEY"), body);
      assertFalse(body.contains(keyBase64()), body);
    }
  }

  private static String keyBase64() {
    String pem = site.privateKeyPem(KeyFormat.PKCS8);
    return pem.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
  }

  private void startGateway() {
    gateway = TestGateway.startRaw("""
        admin: { port: 0, tokenFile: "%1$s/token" }
        listeners:
          - { name: http, port: 0, protocol: HTTP }
          - name: https
            port: 0
            protocol: HTTPS
            tls: { certificates: [{ cert: "%1$s/tls.crt", key: "%1$s/tls.key" }] }
        upstreams: [{ name: echo, endpoints: ["%2$s"] }]
        routes:
          - { name: shop, match: [{ path: { prefix: /shop } }], directResponse: { status: 200, body: "file shop" } }
          - { name: echo, match: [{ path: { prefix: /echo } }], backends: [{ upstream: echo }] }
        """.formatted(pki, upstream.address()));
  }

  private TestGateway.TestResponse call(String method, String path, String body, Map<String, String> headers) {
    TestGateway.TestResponse r = gateway.admin(method, path, body, headers);
    bodies.add(r.body());
    return r;
  }

  private TestGateway.TestResponse get(String path) {
    return call("GET", path, null, AUTH);
  }

  private static JsonObject json(TestGateway.TestResponse r) {
    return new JsonObject(r.body());
  }

  private static void assertProblem(int status, String reason, TestGateway.TestResponse r) {
    assertEquals(status, r.status(), r.body());
    assertEquals("application/problem+json", r.header("content-type"), r.body());
    assertEquals(reason, json(r).getString("reason"), r.body());
  }

  @Test
  void probesAreOpenAndEverythingElseNeedsTheBearerToken() {
    startGateway();
    assertEquals(200, call("GET", "/healthz", null, Map.of()).status());
    assertEquals(200, call("GET", "/ready", null, Map.of()).status());
    for (String path : List.of("/config", "/metrics", "/sync", "/clusters", "/stats", "/openapi.json", "/routes/shop")) {
      TestGateway.TestResponse none = call("GET", path, null, Map.of());
      assertProblem(401, "unauthorized", none);
      assertEquals("Bearer realm=\"gatehouse\"", none.header("www-authenticate"));
      assertProblem(401, "unauthorized", call("GET", path, null, Map.of("authorization", "Bearer wrong")));
      assertProblem(401, "unauthorized", call("GET", path, null, Map.of("authorization", "Basic " + TOKEN)));
      assertEquals(200, get(path).status(), path);
    }
    assertProblem(401, "unauthorized", call("PUT", "/routes/x", "{}", Map.of("content-type", "application/json")));
    assertProblem(401, "unauthorized", call("POST", "/drain", null, Map.of()));
    assertEquals(200, gateway.get("/shop").status(), "nothing changed and nothing drained");

    long before = gateway.gatehouse.store().version();
    gateway.write("""
        admin: { port: 0 }
        listeners: [{ name: http, port: 0 }]
        routes: [{ name: shop, directResponse: { status: 200, body: "no token in config" } }]
        """);
    Await.until("the config without a token file is installed", 10, () -> gateway.gatehouse.store().version() > before);
    assertProblem(401, "unauthorized", call("GET", "/config", null, Map.of()));
    assertEquals(200, get("/config").status(), "a token cannot be removed while the admin listener serves");
  }

  @Test
  void everyEndpointAnswersAndNoAnswerCarriesAPrivateKey() throws Exception {
    startGateway();
    TestGateway.TestResponse config = get("/config");
    assertEquals(200, config.status());
    JsonObject effective = json(config);
    assertEquals(1, effective.getLong("version"));
    assertEquals("\"1\"", config.header("etag"));
    String file = "file:" + gateway.dir;
    assertEquals(file, effective.getJsonObject("sources").getString("routes/shop"));
    assertEquals(file, effective.getJsonObject("sources").getString("listeners/https"));
    JsonObject cert = effective.getJsonArray("certificates").getJsonObject(0);
    assertEquals("https", cert.getString("listener"));
    assertEquals(64, cert.getString("sha256Fingerprint").length());
    assertEquals(List.of("localhost"), cert.getJsonArray("dnsNames").getList());
    assertNotNull(cert.getString("notAfter"));

    // Upstream, route, egress entry: PUT, read back, served.
    assertEquals(200, call("PUT", "/upstreams/echo2", "{\"endpoints\": [\"" + upstream.address() + "\"]}", JSON).status());
    TestGateway.TestResponse put = call("PUT", "/routes/pushed",
        "{\"match\": [{\"path\": {\"prefix\": \"/pushed\"}}], \"backends\": [{\"upstream\": \"echo2\"}], \"timeout\": \"3s\"}", JSON);
    assertEquals(200, put.status(), put.body());
    assertEquals("installed", json(put).getString("result"));
    assertEquals(3, json(put).getLong("version"));
    assertEquals("\"3\"", put.header("etag"));
    assertEquals(200, gateway.get("/pushed/x").status());
    assertEquals("/pushed/x", upstream.lastRequest().uri());
    TestGateway.TestResponse route = get("/routes/pushed");
    assertEquals("admin", route.header("x-gatehouse-source"));
    assertEquals("3s", json(route).getString("timeout"));
    TestGateway.TestResponse again = call("PUT", "/routes/pushed", route.body(), JSON);
    assertEquals("unchanged", json(again).getString("result"), "what GET answers can be PUT back as is");
    assertEquals(200, call("PUT", "/egress/allow/github", "{\"host\": \"api.github.com\", \"ports\": [443]}", JSON).status());
    assertEquals("api.github.com", json(get("/egress/allow/github")).getString("host"));
    assertEquals(200, get("/upstreams/echo2").status());
    assertProblem(404, "not_found", get("/routes/nope"));

    // Certificates: PEM in, metadata out, owner-only files.
    TestGateway.TestResponse stored = call("PUT", "/certs/shop", site.certificatePem() + site.privateKeyPem(KeyFormat.PKCS8),
        Map.of("authorization", "Bearer " + TOKEN, "content-type", "application/x-pem-file"));
    assertEquals(200, stored.status(), stored.body());
    JsonObject meta = json(stored);
    assertEquals(List.of("shop.example.com", "www.shop.example.com"), meta.getJsonArray("dnsNames").getList());
    assertTrue(meta.getString("subject").contains("shop.example.com"), meta.encode());
    Path keyFile = Path.of(meta.getString("key"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile.getParent())));
    assertEquals(meta.getString("sha256Fingerprint"), json(get("/certs/shop")).getString("sha256Fingerprint"));
    TestGateway.TestResponse asJson = call("PUT", "/certs/shop2", new JsonObject().put("cert", site.certificatePem())
        .put("key", site.privateKeyPem(KeyFormat.SEC1)).encode(), JSON);
    assertEquals(200, asJson.status(), asJson.body());
    assertProblem(422, "invalid_certificate", call("PUT", "/certs/bad", ca.certificatePem() + site.privateKeyPem(KeyFormat.PKCS8),
        Map.of("authorization", "Bearer " + TOKEN, "content-type", "application/x-pem-file")));
    assertProblem(400, "bad_pem", call("PUT", "/certs/bad", "not pem", AUTH));
    assertEquals(200, call("DELETE", "/certs/shop2", null, AUTH).status());
    assertProblem(404, "not_found", get("/certs/shop2"));

    // Dry run, history, the runtime views.
    assertEquals(200, call("POST", "/config/validate", "routes: [{ name: dry, backends: [{ upstream: echo }] }]\n", AUTH).status());
    assertEquals(404, gateway.get("/dry").status(), "a dry run installs nothing");
    TestGateway.TestResponse dryBad = call("POST", "/config/validate", "routes:\n  - { name: dry, backends: [{ upstream: gone }] }\n", AUTH);
    assertProblem(422, "invalid_config", dryBad);
    JsonArray history = json(get("/config/history")).getJsonArray("versions");
    assertEquals(4, history.size());
    assertEquals("admin", history.getJsonObject(3).getString("source"));
    assertEquals(1, json(get("/config/history/1")).getLong("version"));
    JsonObject cluster = json(get("/clusters")).getJsonArray("clusters").getJsonObject(0);
    assertEquals("echo", cluster.getString("name"));
    assertEquals(upstream.address(), cluster.getJsonArray("endpoints").getJsonObject(0).getString("address"));
    assertEquals(0, cluster.getJsonArray("endpoints").getJsonObject(0).getInteger("activeRequests"));
    JsonObject stats = json(get("/stats"));
    assertEquals(4, stats.getJsonObject("config").getLong("version"));
    assertTrue(stats.getJsonObject("stats").getDouble("gatehouse.requests{route=pushed,status_class=2xx,upstream=echo2}") >= 1,
        stats.encodePrettily());
    assertTrue(get("/metrics").body().contains("gatehouse_config_version 4.0"));
    JsonArray sources = json(get("/sync")).getJsonArray("sources");
    Map<String, JsonObject> byName = new HashMap<>();
    sources.forEach(s -> byName.put(((JsonObject) s).getString("name"), (JsonObject) s));
    assertEquals("file", byName.get(file).getString("kind"));
    assertEquals("admin", byName.get("admin").getString("kind"));
    assertEquals("4", byName.get("admin").getString("lastVersion"));
    assertNotNull(byName.get("admin").getString("lastSuccess"));
    assertTrue(json(get("/openapi.json")).getJsonObject("paths").containsKey("/routes/{name}"));

    // Delete: admin objects go; file objects are not the admin API's to delete.
    assertProblem(409, "not_admin_owned", call("DELETE", "/routes/shop", null, AUTH));
    assertEquals(200, call("DELETE", "/egress/allow/github", null, AUTH).status());
    assertProblem(404, "not_found", get("/egress/allow/github"));

    // Rollback to the file-only version: a new version, the pushed route gone from the data path.
    TestGateway.TestResponse back = call("POST", "/config/rollback/1", null, AUTH);
    assertEquals(200, back.status(), back.body());
    assertEquals(6, json(back).getLong("version"));
    assertEquals(404, gateway.get("/pushed/x").status());
    assertEquals("admin:rollback/1", json(get("/config")).getString("source"));
    assertProblem(404, "version_not_found", call("POST", "/config/rollback/99", null, AUTH));

    // Drain: accepted at once, readiness turns off.
    assertEquals(202, call("POST", "/drain", null, AUTH).status());
    Await.until("/ready answers 503", 10, () -> gateway.admin("/ready").status() == 503);
    assertProblem(404, "not_found", get("/nowhere"));
    assertProblem(405, "method_not_allowed", call("PATCH", "/routes/shop", "{}", AUTH));
  }

  @Test
  void anInvalidWriteSaysWhereAndWhyAndTheOldConfigKeepsServing() {
    startGateway();
    TestGateway.TestResponse dangling = call("PUT", "/routes/shop",
        "{\"match\": [{\"path\": {\"prefix\": \"/shop\"}}], \"backends\": [{\"upstream\": \"missing\"}]}", JSON);
    assertProblem(422, "invalid_config", dangling);
    JsonObject error = json(dangling).getJsonArray("errors").getJsonObject(0);
    assertEquals("admin", error.getString("source"));
    assertEquals("routes/shop", error.getString("object"));
    assertEquals("backends.upstream", error.getString("field"));
    assertTrue(error.getString("message").contains("upstream \"missing\" is not defined (known: echo)"), error.encode());

    TestGateway.TestResponse badField = call("PUT", "/routes/shop",
        "{\"timeout\": \"-1s\", \"directResponse\": {\"status\": 200, \"body\": \"never\"}}", JSON);
    assertProblem(422, "invalid_config", badField);
    JsonObject located = json(badField).getJsonArray("errors").getJsonObject(0);
    assertEquals("timeout", located.getString("field"), badField.body());
    assertTrue(located.getInteger("line") > 0, badField.body());

    assertProblem(400, "bad_json", call("PUT", "/routes/shop", "{not json", JSON));
    assertProblem(400, "name_mismatch", call("PUT", "/routes/shop", "{\"name\": \"other\"}", JSON));
    assertProblem(422, "invalid_config", call("PUT", "/upstreams/u", "{\"endpoints\": [\"no-port\"]}", JSON));
    assertProblem(409, "not_admin_owned", call("DELETE", "/upstreams/echo", null, AUTH));
    assertProblem(422, "invalid_config", call("PUT", "/upstreams/echo", "{\"endpoints\": []}", JSON));

    assertEquals("file shop", gateway.get("/shop").body(), "the old config keeps serving");
    assertEquals(1, json(get("/config")).getLong("version"));
  }

  @Test
  void aRedisPasswordIsNeverShownAndARouteSentBackAsShownKeepsIt() {
    gateway = TestGateway.startRaw("""
        admin: { port: 0, tokenFile: "%1$s/token" }
        listeners: [{ name: http, port: 0, protocol: HTTP }]
        routes:
          - name: limited
            directResponse: { status: 200, body: "limited" }
            rateLimit: { requestsPerSecond: 1000, global: { redis: "redis://:hunter2-redis@127.0.0.1:1/0" } }
        """.formatted(pki));
    TestGateway.TestResponse route = get("/routes/limited");
    assertEquals(200, route.status(), route.body());
    String shown = json(route).getJsonObject("rateLimit").getJsonObject("global").getString("redis");
    assertEquals("redis://:***@127.0.0.1:1/0", shown);

    TestGateway.TestResponse putBack = call("PUT", "/routes/limited", route.body(), JSON);
    assertEquals(200, putBack.status(), putBack.body());
    assertEquals("unchanged", json(putBack).getString("result"), "the serving password was kept: " + putBack.body());

    JsonObject moved = json(route);
    moved.getJsonObject("rateLimit").getJsonObject("global").put("redis", "redis://:***@127.0.0.1:2/0");
    TestGateway.TestResponse placeholder = call("PUT", "/routes/limited", moved.encode(), JSON);
    assertProblem(422, "invalid_config", placeholder);
    assertTrue(placeholder.body().contains("write the real URL"), placeholder.body());

    assertEquals(200, get("/config").status());
    assertEquals(200, get("/config/history/1").status());
    assertProblem(422, "invalid_config", call("POST", "/config/validate", "routes: [{ name: limited,"
        + " directResponse: { status: 200 }, rateLimit: { requestsPerSecond: 5, global: { redis: \"redis://:***@h:6379\" } } }]", JSON));
    for (String body : bodies) {
      assertFalse(body.contains("hunter2"), body);
    }
  }

  @Test
  void withMutualTlsTheAdminApiWantsAClientCertificateAndTheToken() {
    gateway = TestGateway.startRaw("""
        admin:
          port: 0
          tokenFile: "%1$s/token"
          tls: { certificates: [{ cert: "%1$s/tls.crt", key: "%1$s/tls.key" }], clientAuth: STRICT, clientCa: "%1$s/ca.crt" }
        listeners: [{ name: http, port: 0 }]
        routes: [{ name: r, directResponse: { status: 200 } }]
        """.formatted(pki));
    java.util.function.BiFunction<Boolean, Map<String, String>, java.util.concurrent.CompletableFuture<Integer>> call = (cert, headers) -> {
      io.vertx.core.http.HttpClientOptions options = new io.vertx.core.http.HttpClientOptions().setSsl(true)
          .setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(pki.resolve("ca.crt").toString()));
      if (cert) {
        options.setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions().setCertPath(pki.resolve("client.crt").toString())
            .setKeyPath(pki.resolve("client.key").toString()));
      }
      io.vertx.core.http.HttpClient client = vertx.createHttpClient(options);
      io.vertx.core.http.RequestOptions request = new io.vertx.core.http.RequestOptions().setHost("localhost")
          .setPort(gateway.gatehouse.adminPort()).setURI("/config");
      headers.forEach(request::putHeader);
      return client.request(request).compose(r -> r.send()).compose(r -> r.body().map(b -> r.statusCode()))
          .eventually(() -> client.close()).toCompletionStage().toCompletableFuture();
    };
    assertEquals(200, call.apply(true, AUTH).orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join());
    assertEquals(401, call.apply(true, Map.of()).orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join());
    java.util.concurrent.CompletableFuture<Integer> anonymous = call.apply(false, AUTH);
    Integer status = anonymous.handle((s, e) -> e == null ? s : -1).orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join();
    assertEquals(-1, status, "no client certificate, no admin API");
  }

  @Test
  void concurrentWritesWithIfMatchLetExactlyOneWin() throws Exception {
    startGateway();
    String etag = get("/config").header("etag");
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<TestGateway.TestResponse>> results = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        String body = "{\"match\": [{\"path\": {\"prefix\": \"/w" + i + "\"}}], \"directResponse\": {\"status\": 200, \"body\": \"w" + i + "\"}}";
        Map<String, String> headers = new HashMap<>(JSON);
        headers.put("if-match", etag);
        results.add(pool.submit(() -> {
          go.await();
          return call("PUT", "/routes/w", body, headers);
        }));
      }
      go.countDown();
      int won = 0;
      int conflicts = 0;
      for (Future<TestGateway.TestResponse> f : results) {
        TestGateway.TestResponse r = f.get();
        if (r.status() == 200) {
          won++;
        } else {
          assertProblem(412, "version_mismatch", r);
          assertEquals("\"2\"", r.header("etag"));
          conflicts++;
        }
      }
      assertEquals(1, won);
      assertEquals(writers - 1, conflicts);
      assertEquals(2, json(get("/config")).getLong("version"));
    } finally {
      pool.shutdownNow();
    }
    assertProblem(412, "version_mismatch", call("PUT", "/routes/late", "{\"directResponse\": {\"status\": 200}}",
        Map.of("authorization", "Bearer " + TOKEN, "if-match", "\"1\"")));
    assertProblem(400, "bad_if_match", call("PUT", "/routes/late", "{\"directResponse\": {\"status\": 200}}",
        Map.of("authorization", "Bearer " + TOKEN, "if-match", "yesterday")));
  }
}
