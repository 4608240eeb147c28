package io.gatehouse.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.load.ConfigFile;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the admin API answers for an object reads back into the same object: GET, then PUT, changes nothing. */
class ConfigJsonTest {
  /** Every field of the model set, most of them away from the loader's defaults (files are named, not read). */
  private static final String MAXIMAL = """
      meshIdentity:
        trustDomain: example.org
        namespace: istio-system
        serviceAccount: gh
        caAddress: "127.0.0.1:15012"
        caCert: mesh-root.pem
        rootCertSource: CA
        tokenFile: /var/run/secrets/tokens/other-token
        clusterId: east
        keyType: RSA_2048
        lifetime: 2h
        stateDir: /var/lib/gatehouse/mesh
        plaintext: true
      xds:
        - { address: "127.0.0.1:15010", plaintext: true }
        - { address: "istiod.istio-system.svc:15012", nodeId: "router~10.0.0.1~gw.istio-system~istio-system.svc.cluster.local",
            caCert: mesh-root.pem, tokenFile: /var/run/secrets/tokens/istio-token }
      admin:
        port: 9911
        address: 0.0.0.0
        tokenFile: token.txt
        tls:
          certificates: [{ hosts: [admin.example.com], cert: admin.crt, key: admin.key }]
          clientAuth: STRICT
          clientCa: clients.pem
          minVersion: TLSv1.3
          ciphers: [TLS_AES_128_GCM_SHA256]
          allowJdkFallback: true
      demo: { echoPort: 9090 }
      listeners:
        - name: web
          address: 0.0.0.0
          port: 8080
          httpsRedirect: { port: 8443, status: 308 }
          proxyProtocol: true
          pathNormalization: DECODE_AND_MERGE_SLASHES
          escapedSlashes: UNESCAPE_AND_REDIRECT
          originalPathHeader: x-envoy-original-path
          headersWithUnderscores: REJECT_REQUEST
          trustedHops: 2
          trustedCidrs: [10.0.0.0/8, "fd00::/8", 192.0.2.7]
          limits:
            maxHeaderSize: 32KiB
            maxUriLength: 4KiB
            headerReadTimeout: 3s
            idleTimeout: 90s
            maxConnections: 5000
            http2MaxConcurrentStreams: 50
            http2MaxResets: 100
            http2ResetWindow: 10s
            bodyReadTimeout: 45s
        - { name: plain, address: "::1", port: 8081, compression: { algorithms: [zstd, gzip], minSize: 4KiB } }
        - name: secure
          address: 127.0.0.1
          port: 8443
          protocol: HTTPS
          limits: { maxHeaderSize: 1500B }
          pathNormalization: NONE
          hostMustMatchCertificate: false
          tls:
            certificates:
              - { hosts: [shop.example.com, "*.shop.test"], cert: shop.crt, key: shop.key }
              - { hosts: [localhost], dev: true }
            clientAuth: PERMISSIVE
            clientCa: clients.pem
            minVersion: TLSv1.3
            ciphers: [TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256]
            allowJdkFallback: true
        - name: out
          port: 3128
          protocol: EGRESS
          tunnels: { idleTimeout: 90s, maxDuration: 2h, maxActive: 50 }
          tls: { certificates: [{ hosts: [], cert: shop.crt, key: shop.key }] }
        - { name: pass, port: 8444, protocol: TLS_PASSTHROUGH, egressPort: 443, tunnels: { maxActive: 7 } }
        - { name: meshin, port: 15443, protocol: HTTPS, tls: { certificates: [{ hosts: [], cert: shop.crt, key: shop.key }], clientAuth: STRICT, meshClients: true } }
      upstreams:
        - name: a
          endpoints: ["127.0.0.1:9001", "[::1]:9002", "shop.svc:80"]
          loadBalancer: CONSISTENT_HASH
          hashOn: header:X-User
          protocol: HTTP2
          tls: { sni: a.internal, caCert: ca.pem, clientCert: client.crt, clientKey: client.key, verifyHostname: false }
          healthCheck: { path: /healthz, interval: 2s, timeout: 500ms, healthyThreshold: 4, unhealthyThreshold: 6 }
          outlierDetection: { consecutiveErrors: 7, baseEjectionTime: 45s, maxEjectionPercent: 50 }
          circuitBreaker: { maxConnections: 64, maxPendingRequests: 128, maxRequests: 256 }
          retryBudget: { percent: 40, minRetries: 5 }
        - { name: b, endpoints: ["127.0.0.1:9003"], loadBalancer: CONSISTENT_HASH, hashOn: cookie:Session, tls: {} }
        - { name: m, endpoints: ["reviews.shop.svc:9080"], tls: { mode: MESH, sni: reviews.mesh, subjectAltNames: ["spiffe://example.org/ns/shop/sa/reviews"] } }
        - name: w
          endpoints:
            - address: "10.0.0.7:9080"
              workload: { name: reviews-v1, namespace: shop, app: reviews, version: v1, serviceAccount: reviews, identity: "spiffe://example.org/ns/shop/sa/reviews", cluster: east }
            - "10.0.0.8:9080"
          tls: { mode: MESH }
        - name: c
          endpoints: ["127.0.0.1:9004"]
          loadBalancer: CONSISTENT_HASH
          hashOn: client
          healthCheck: { path: /ready }
          outlierDetection: {}
          circuitBreaker: { maxRequests: 9 }
          retryBudget: { minRetries: 0 }
        - { name: d, endpoints: ["127.0.0.1:9005"], loadBalancer: LEAST_REQUEST }
      routes:
        - name: shop
          hosts: [shop.example.com, "*.shop.test"]
          listeners: [web, secure]
          match:
            - path: { prefix: /api }
              methods: [POST, GET]
              headers: { x-canary: { exact: "1" }, x-any: { present: true }, x-p: { prefix: ab }, x-r: { regex: "a+" } }
              query: { debug: { regex: "t.*" }, Mode: { exact: full } }
            - path: { prefix: /v2 }
          backends: [{ upstream: a, weight: 90 }, { upstream: b, weight: 10 }]
          rewrite: { prefix: /, host: shop.internal }
          headers:
            request: { set: { x-env: prod }, add: { x-tag: a }, remove: [x-debug] }
            response: { set: { x-served-by: gatehouse } }
          timeout: 1500ms
          retries: { attempts: 2, perTryTimeout: 1s, on: [connect-failure, reset, "503", gateway-error], nonIdempotent: true,
                     backoff: { base: 50ms, max: 2s, maxRetryAfter: 3s, min: 20ms } }
          fault: { delay: { fixed: 200ms, percent: 12.5 }, abort: { status: 418, percent: 5 }, header: X-Chaos }
          rateLimit:
            requestsPerSecond: 2.5
            burst: 7
            key: header:X-Api-Key
            global: { redis: "redis://redis.internal:6379/2", failOpen: false, timeout: 250ms }
          maxBodySize: 10MiB
          mirror: { upstream: c, percent: 25 }
          cors:
            allowOrigins: [https://shop.example.com, "https://*.example.com"]
            allowMethods: [GET, PUT]
            allowHeaders: [X-A]
            exposeHeaders: [x-b]
            maxAge: 10m
            allowCredentials: true
          tracing: { sampling: 50 }
          stickySession: { cookie: gh-shop, ttl: 1h, path: /api, httpOnly: false, secure: true, sameSite: Strict }
        - name: regex
          compression: {}
          match: [{ path: { regex: "^/r/(.*)" } }, { path: { exact: /exact } }]
          backends: [{ upstream: c }]
          rewrite: { regex: { pattern: "^/r/(.*)", substitution: "/\\\\1" } }
          timeout: 2m
          retries: { attempts: 0, on: [] }
          fault: { abort: { status: 503, percent: 100 } }
          rateLimit: { requestsPerSecond: 100, key: route, global: { redis: "redis://redis.internal:6379" } }
          maxBodySize: 1536B
          mirror: { upstream: d }
          cors: { allowOrigins: ["*"] }
          stickySession: { cookie: gh-regex }
        - name: delayed
          backends: [{ upstream: d }]
          retries: { attempts: 1, backoff: { base: 10ms } }
          compression: { algorithms: [gzip, br], minSize: 2KiB, contentTypes: [text/*, application/json] }
          fault: { delay: { fixed: 1s, percent: 100 } }
          rateLimit: { requestsPerSecond: 1 }
        - { name: old, hosts: [old.example.com], redirect: { scheme: https, host: www.example.com, port: 8443, path: /new, status: 308 } }
        - { name: home, redirect: { path: /home }, compression: { enabled: false }, grpcWeb: false }
        - { name: ok, directResponse: { status: 204, body: "" }, timeout: 1h }
        - { name: teapot, directResponse: { status: 418, body: "short and stout" } }
      egress:
        mode: ALLOW_ANY
        verifySniPorts: [443, 8443]
        allow:
          - name: github
            host: api.github.com
            ports: [443]
            sources: [10.0.0.0/8, "fd00::/8"]
            identities: ["spiffe://cluster.local/ns/shop/sa/checkout"]
            originateTls: true
            caCert: ca.pem
          - { host: "*.example.org", ports: [80], originateTls: true }
          - { cidr: 203.0.113.0/24, ports: [443, 8443] }
      authentication:
        - name: remote
          issuer: https://issuer.example.com
          audiences: [shop, admin]
          jwksUri: https://issuer.example.com/.well-known/jwks.json
          jwksTimeout: 2s
          jwksCaCert: ca.pem
          fromHeaders: [{ name: X-Token }, { name: Authorization, prefix: "Bearer " }]
          fromParams: [token]
          fromCookies: [session]
          forwardOriginalToken: true
          outputPayloadToHeader: x-jwt-payload
          outputClaimToHeaders: [{ header: x-sub, claim: sub }, { header: x-groups, claim: groups }]
          clockSkew: 5s
          cache: { maxTokens: 500, jwksRefresh: 10m, jwksMinInterval: 1m }
          listeners: [web]
          routes: [shop]
        - name: inline
          issuer: inline.example.com
          jwks: '{"keys": [{"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}]}'
        - { name: file, issuer: file.example.com, jwksFile: jwks.json, fromCookies: [jwt] }
      extAuthz:
        - name: opa
          uri: http://opa.internal:8181/authz
          timeout: 250ms
          failOpen: true
          statusOnError: 503
          headersToSend: [x-user, cookie]
          headersToUpstream: [x-auth-user]
          headersToClient: [www-authenticate, set-cookie]
        - { name: plain, uri: "https://auth.example.com" }
      authorization:
        - name: custom
          action: CUSTOM
          provider: opa
          rules: [{ to: [{ operation: { paths: [/admin/*] } }] }]
          listeners: [web, secure]
          routes: [shop, regex]
        - name: deny
          action: DENY
          rules:
            - from:
                - source:
                    principals: [cluster.local/ns/a/sa/b]
                    notPrincipals: ["*/sa/admin"]
                    requestPrincipals: ["https://issuer.example.com/*"]
                    notRequestPrincipals: [bad/user]
                    namespaces: [shop]
                    notNamespaces: [kube-system]
                    ipBlocks: [10.0.0.0/8]
                    notIpBlocks: [10.1.0.0/16]
                    remoteIpBlocks: [203.0.113.0/24, "2001:db8::/32"]
                    notRemoteIpBlocks: [203.0.113.7]
              to:
                - operation:
                    hosts: [shop.example.com, "*.shop.test"]
                    notHosts: [internal.shop.test]
                    ports: ["8080"]
                    notPorts: ["9090"]
                    methods: [POST, DELETE]
                    notMethods: [GET]
                    paths: [/api/*, "*.php"]
                    notPaths: [/api/public*]
              when:
                - { key: "request.auth.claims[groups]", values: [admin], notValues: [guest] }
                - { key: "request.headers[x-env]", values: [prod] }
        - { name: audit, action: AUDIT, rules: [{}] }
        - { name: nobody, action: ALLOW }
      kubernetes:
        - { name: prod, namespaces: [shop], gatewayLabels: { istio: [ingressgateway] }, ports: { 80: 8080 } }
        - name: edge
          masterUrl: "https://k8s.example.com:6443"
          namespaces: [web, api]
          gatewayLabels: { app: [edge, gate] }
          gatewayClassName: other
          ports: { 443: 8443, 80: 0 }
          debounce: 1s
          clusterDomain: corp.local
          proxyProtocol: true
          pathNormalization: BASE
          escapedSlashes: KEEP_UNCHANGED
          originalPathHeader: x-original-path
          headersWithUnderscores: ALLOW
          trustedHops: 1
          trustedCidrs: [192.0.2.0/24]
          hostMustMatchCertificate: false
          ingressClassName: edge-ingress
          publishService: edge/edge-gateway
        - { name: lab, publishAddresses: [203.0.113.7, gw.example.com] }
      telemetry:
        metrics: { gatehouse: false, istio: false }
        workload: { name: edge-gateway, namespace: istio-system, principal: "spiffe://cluster.local/ns/istio-system/sa/gh", cluster: east }
        accessLog: { format: TEXT, text: "[%START_TIME%] %method% %path% %RESPONSE_CODE% %responseFlags% %traceId%" }
        tracing:
          endpoint: "http://otel.example.com:4318"
          protocol: HTTP
          sampling: 12.5
          propagation: [B3_MULTI, W3C]
          serviceName: edge
          maxQueueSize: 100
          exportTimeout: 3s
      """;

  @TempDir
  Path dir;

  private GatewayConfig loadFull(String name, String text) throws IOException {
    for (String file : List.of("token.txt", "admin.crt", "admin.key", "clients.pem", "shop.crt", "shop.key", "ca.pem",
        "client.crt", "client.key", "jwks.json", "mesh-root.pem")) {
      Files.writeString(dir.resolve(file), "not read by the loader\n");
    }
    LoadResult r = ConfigLoader.load(List.of(new ConfigFile(name, text, dir)));
    return assertInstanceOf(LoadResult.Loaded.class, r, r::toString).config();
  }

  private static GatewayConfig load(String name, String text) {
    LoadResult r = ConfigLoader.loadFragment(List.of(new ConfigFile(name, text, Path.of("."))));
    return assertInstanceOf(LoadResult.Loaded.class, r, r::toString).config();
  }

  @Test
  void theWholeConfigRoundTrips() throws IOException {
    GatewayConfig config = loadFull("maximal.yaml", MAXIMAL);
    String json = ConfigJson.config(config).encodePrettily();
    assertEquals(config, loadFull("again.json", json), json);
  }

  /** Every policy block present with nothing but its required keys: what the loader fills in is the model's defaults. */
  private static final String DEFAULTS = """
      listeners: [{ name: web, port: 8080 }]
      upstreams:
        - name: u
          endpoints: ["127.0.0.1:9001"]
          healthCheck: { path: /healthz }
          outlierDetection: {}
          circuitBreaker: {}
          retryBudget: {}
      routes:
        - name: r
          backends: [{ upstream: u }]
          rateLimit: { requestsPerSecond: 10, global: { redis: "redis://redis.internal:6379" } }
          mirror: { upstream: u }
          cors: { allowOrigins: ["https://a.example"] }
      """;

  @Test
  void aConfigOfDefaultsRoundTripsAndItsDefaultsAreTheModels() throws IOException {
    GatewayConfig config = loadFull("defaults.yaml", DEFAULTS);
    io.gatehouse.routes.Upstream u = config.upstreams().get(0);
    Route r = config.routes().get(0);
    assertEquals(io.gatehouse.routes.HealthCheck.DEFAULT,
        new io.gatehouse.routes.HealthCheck(true, "", u.healthCheck().interval(), u.healthCheck().timeout(),
            u.healthCheck().healthyThreshold(), u.healthCheck().unhealthyThreshold()));
    assertEquals(io.gatehouse.routes.OutlierDetection.DEFAULT, u.outlierDetection());
    assertEquals(io.gatehouse.routes.CircuitBreaker.DEFAULT, u.circuitBreaker());
    assertEquals(io.gatehouse.routes.RetryBudget.DEFAULT, u.retryBudget());
    assertEquals(io.gatehouse.routes.RateLimit.DEFAULT_KEY, r.rateLimit().key());
    assertEquals(io.gatehouse.routes.RateLimit.Global.DEFAULT_TIMEOUT, r.rateLimit().global().timeout());
    assertEquals(io.gatehouse.routes.RateLimit.Global.DEFAULT_FAIL_OPEN, r.rateLimit().global().failOpen());
    assertEquals(io.gatehouse.routes.Mirror.DEFAULT_PERCENT, r.mirror().percent());
    assertEquals(io.gatehouse.routes.Cors.DEFAULT_METHODS, r.cors().allowMethods());
    assertEquals(io.gatehouse.routes.Cors.DEFAULT_MAX_AGE, r.cors().maxAge());

    JsonObject json = ConfigJson.config(config);
    assertEquals(config, loadFull("again.json", json.encode()), json.encodePrettily());
    JsonObject upstream = json.getJsonArray("upstreams").getJsonObject(0);
    JsonObject route = json.getJsonArray("routes").getJsonObject(0);
    assertEquals(new JsonObject().put("path", "/healthz"), upstream.getJsonObject("healthCheck"), "defaults are not written");
    assertEquals(new JsonObject(), upstream.getJsonObject("outlierDetection"));
    assertFalse(upstream.containsKey("circuitBreaker") || upstream.containsKey("retryBudget"), upstream.encode());
    assertFalse(route.getJsonObject("rateLimit").containsKey("key"), route.encode());
    assertEquals(new JsonObject().put("redis", "redis://redis.internal:6379"),
        route.getJsonObject("rateLimit").getJsonObject("global"));
    assertEquals(new JsonObject().put("upstream", "u"), route.getJsonObject("mirror"));
    assertEquals(new JsonObject().put("allowOrigins", new io.vertx.core.json.JsonArray().add("https://a.example")),
        route.getJsonObject("cors"));
  }

  @Test
  void everyObjectRoundTripsOnItsOwn() throws IOException {
    GatewayConfig config = loadFull("maximal.yaml", MAXIMAL);
    List<Object> objects = new ArrayList<>();
    objects.addAll(config.listeners());
    objects.addAll(config.upstreams());
    objects.addAll(config.routes());
    objects.addAll(config.egress().allow());
    objects.addAll(config.security().authentication());
    objects.addAll(config.security().authorization());
    objects.addAll(config.security().extAuthz());
    for (Object o : objects) {
      String json = ConfigJson.object(o).encode();
      String wrapped = o instanceof io.gatehouse.routes.Listener ? "{\"listeners\": [" + json + "]}"
          : o instanceof io.gatehouse.routes.Upstream ? "{\"upstreams\": [" + json + "]}"
          : o instanceof Route ? "{\"routes\": [" + json + "]}"
          : o instanceof io.gatehouse.routes.auth.JwtProvider ? "{\"authentication\": [" + json + "]}"
          : o instanceof io.gatehouse.routes.auth.AuthorizationPolicy ? "{\"authorization\": [" + json + "]}"
          : o instanceof io.gatehouse.routes.auth.ExtAuthz ? "{\"extAuthz\": [" + json + "]}"
          : "{\"egress\": {\"allow\": [" + json + "]}}";
      LoadResult r = ConfigLoader.loadFragment(List.of(new ConfigFile("object.json", wrapped, dir)));
      GatewayConfig again = assertInstanceOf(LoadResult.Loaded.class, r, r::toString).config();
      List<Object> back = new ArrayList<>();
      back.addAll(again.listeners());
      back.addAll(again.upstreams());
      back.addAll(again.routes());
      back.addAll(again.egress().allow());
      back.addAll(again.security().authentication());
      back.addAll(again.security().authorization());
      back.addAll(again.security().extAuthz());
      assertEquals(List.of(o), back, wrapped);
    }
  }

  /**
   * The maximal config must set every component of every model record to two different values (or
   * one that differs from the record's own NONE/DEFAULT constants), and every "one of" kind. A new
   * component fails here until it is added to {@link #MAXIMAL}, and then the round trip fails until
   * ConfigJson writes it.
   */
  @Test
  void theMaximalConfigExercisesEveryComponentOfTheModel() throws IOException {
    Set<String> required = new TreeSet<>();
    Set<Class<?>> kinds = new HashSet<>();
    modelTypes(GatewayConfig.class, new HashSet<>(), required, kinds);
    Map<String, Set<Object>> values = new TreeMap<>();
    Set<Class<?>> seen = new HashSet<>();
    walk(loadFull("maximal.yaml", MAXIMAL), values, seen);
    List<String> missing = new ArrayList<>();
    for (String component : required) {
      if (!exercised(component, values.getOrDefault(component, Set.of()))) {
        missing.add(component + " " + values.getOrDefault(component, Set.of()));
      }
    }
    for (Class<?> kind : kinds) {
      if (!seen.contains(kind)) {
        missing.add(kind.getName() + " (never used)");
      }
    }
    assertTrue(missing.isEmpty(), "not exercised by MAXIMAL: " + missing);
    assertTrue(required.size() > 100, "found only " + required.size() + " components");
  }

  @Test
  void theRedisPasswordIsNeverShown() throws IOException {
    for (String url : List.of("redis://:s3cret@redis.internal:6379/0", "redis://ops:s3cret@redis.internal:6379",
        "rediss://s3cret@redis.internal:6380", "redis://redis.internal:6379?password=s3cret&db=2")) {
      GatewayConfig config = load("secret.yaml", """
          routes:
            - name: limited
              directResponse: { status: 200 }
              rateLimit: { requestsPerSecond: 5, global: { redis: "%s" } }
          """.formatted(url));
      String shown = ConfigJson.config(config).encode() + ConfigJson.object(config.routes().get(0)).encode();
      assertFalse(shown.contains("s3cret"), shown);
      assertTrue(shown.contains(RedisSecret.PLACEHOLDER), shown);
      assertTrue(shown.contains("redis.internal"), shown);
    }
    assertEquals("redis://:***@h:6379/0", RedisSecret.scrub("redis://:pw@h:6379/0"));
    assertEquals("redis://ops:***@h:6379", RedisSecret.scrub("redis://ops:pw@h:6379"));
    assertEquals("rediss://***@h:6380", RedisSecret.scrub("rediss://pw@h:6380"));
    assertEquals("redis://h:6379?db=1&PassWord=***", RedisSecret.scrub("redis://h:6379?db=1&PassWord=pw"));
    assertEquals("redis://h:6379/1", RedisSecret.scrub("redis://h:6379/1"));
  }

  /** What an Istio or xDS route without a timeout is, shown by the admin API and sent back as shown. */
  @Test
  void aRouteWithoutTimeoutRoundTrips() {
    Route none = Route.builder("mesh", new io.gatehouse.routes.Action.DirectResponse(200, "ok"))
        .timeout(Route.NO_TIMEOUT).build();
    JsonObject shown = ConfigJson.route(none);
    assertEquals("0s", shown.getString("timeout"));
    assertEquals(none, load("put.json", "{\"routes\": [" + shown.encode() + "]}").routes().get(0));
  }

  @Test
  void aScrubbedUrlSentBackKeepsTheServingPassword() {
    String real = "redis://:s3cret@redis.internal:6379/0";
    Route serving = load("serving.yaml", """
        routes:
          - { name: limited, directResponse: { status: 200 }, rateLimit: { requestsPerSecond: 5, global: { redis: "%s" } } }
        """.formatted(real)).routes().get(0);
    JsonObject shown = ConfigJson.route(serving);
    JsonObject restored = RedisSecret.restore(shown, serving);
    assertEquals(real, restored.getJsonObject("rateLimit").getJsonObject("global").getString("redis"));
    assertFalse(shown.encode().contains("s3cret"), "restore must not change what was shown");
    assertEquals(serving, load("put.json", "{\"routes\": [" + restored.encode() + "]}").routes().get(0));

    JsonObject moved = shown.copy();
    moved.getJsonObject("rateLimit").getJsonObject("global").put("redis", "redis://:***@elsewhere:6379/0");
    assertEquals(moved, RedisSecret.restore(moved, serving), "a placeholder for another server is not filled in");
    assertEquals(shown, RedisSecret.restore(shown, null), "nothing serves under that name: nothing to keep");
  }

  @Test
  void thePlaceholderIsRejectedWhereItCannotBeFilledIn() {
    for (String url : List.of("redis://:***@h:6379", "redis://***@h:6379", "redis://h:6379?password=***")) {
      LoadResult r = ConfigLoader.loadFragment(List.of(new ConfigFile("put.yaml", """
          routes:
            - { name: limited, directResponse: { status: 200 }, rateLimit: { requestsPerSecond: 5, global: { redis: "%s" } } }
          """.formatted(url), Path.of("."))));
      LoadResult.Rejected rejected = assertInstanceOf(LoadResult.Rejected.class, r, url);
      assertTrue(rejected.toString().contains("write the real URL"), rejected.toString());
    }
  }

  /** Every record component and every sealed kind of the model reachable from {@code type}. */
  private static void modelTypes(Type type, Set<Type> visited, Set<String> required, Set<Class<?>> kinds) {
    if (type instanceof ParameterizedType p) {
      for (Type arg : p.getActualTypeArguments()) {
        modelTypes(arg, visited, required, kinds);
      }
      return;
    }
    if (!(type instanceof Class<?> c) || !c.getName().startsWith("io.gatehouse.routes.") || !visited.add(c)) {
      return;
    }
    if (c.isSealed()) {
      for (Class<?> kind : c.getPermittedSubclasses()) {
        kinds.add(kind);
        modelTypes(kind, visited, required, kinds);
      }
    }
    if (c.isRecord()) {
      for (RecordComponent rc : c.getRecordComponents()) {
        required.add(c.getName() + "#" + rc.getName());
        modelTypes(rc.getGenericType(), visited, required, kinds);
      }
    }
  }

  private static void walk(Object value, Map<String, Set<Object>> values, Set<Class<?>> seen) {
    if (value instanceof Record r) {
      seen.add(r.getClass());
      for (RecordComponent rc : r.getClass().getRecordComponents()) {
        Object v = get(rc, r);
        values.computeIfAbsent(r.getClass().getName() + "#" + rc.getName(), k -> new HashSet<>()).add(v);
        walk(v, values, seen);
      }
    } else if (value instanceof Collection<?> c) {
      c.forEach(v -> walk(v, values, seen));
    } else if (value instanceof Map<?, ?> m) {
      m.values().forEach(v -> walk(v, values, seen));
    } else if (value instanceof Optional<?> o) {
      o.ifPresent(v -> walk(v, values, seen));
    }
  }

  /**
   * Two different values seen, or one that is none of the record's own constants' (NONE, DEFAULT...),
   * or for a record without constants, one that is not empty, zero or false.
   */
  private static boolean exercised(String component, Set<Object> seen) {
    if (seen.size() >= 2) {
      return true;
    }
    if (seen.isEmpty()) {
      return false;
    }
    String className = component.substring(0, component.indexOf('#'));
    String name = component.substring(component.indexOf('#') + 1);
    try {
      Class<?> c = Class.forName(className);
      RecordComponent rc = java.util.Arrays.stream(c.getRecordComponents()).filter(x -> x.getName().equals(name))
          .findFirst().orElseThrow();
      List<Object> defaults = new ArrayList<>();
      for (Field f : c.getFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getType() == c) {
          defaults.add(get(rc, f.get(null)));
        }
      }
      Object value = seen.iterator().next();
      return defaults.isEmpty() ? !trivial(value) : !defaults.contains(value);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean trivial(Object v) {
    return v == null || v.equals("") || v.equals(0) || v.equals(0.0) || v.equals(false) || v.equals(java.time.Duration.ZERO)
        || v.equals(Optional.empty()) || v instanceof Collection<?> c && c.isEmpty() || v instanceof Map<?, ?> m && m.isEmpty();
  }

  private static Object get(RecordComponent rc, Object record) {
    try {
      return rc.getAccessor().invoke(record);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
