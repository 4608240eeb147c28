package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.RSAKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway on four event loops, as a four-core machine runs it (the other tests use one).
 * Client connections are spread over the loops; each loop keeps its own connections to an
 * HTTP/1.1 upstream in clear text (a TLS or HTTP/2 upstream's pool is shared by all of them, so
 * a request on one loop may be sent on a connection another loop opened), and work that
 * completes elsewhere (a JWKS fetch another loop started, a Redis reply, a retry's
 * backoff timer) must come back to the request's own loop before it answers: every request here
 * must get its whole, right answer.
 */
class EventLoopsTest {
  static final String ISSUER = "https://idp.loops.test";
  static final int CONNECTIONS = 24;
  static Vertx vertx;
  static EchoUpstream upstream;
  static HttpServer jwksServer;
  static RedisServer redis;
  static TestGateway gateway;
  static Path dir;
  static RSAKey early;
  static RSAKey late;
  static final AtomicInteger fetches = new AtomicInteger();
  static volatile String served;
  /** Request ids the flaky upstream has failed once; their retry gets a 200. */
  static final Set<String> failedOnce = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx)
        .on("/pieces/", req -> {
          // Three writes, the later two from timers: each reaches the gateway in its own read.
          String n = req.path().substring("/pieces/".length());
          var response = req.response().setChunked(true);
          response.write("a" + n);
          vertx.setTimer(2, t -> {
            response.write("b" + n);
            vertx.setTimer(2, u -> response.end("c" + n));
          });
        })
        .on("/upload", req -> req.body().onSuccess(body -> req.response().end("got " + body.length())))
        .on("/flaky", req -> {
          if (failedOnce.add(req.getHeader("x-request-id"))) {
            req.response().setStatusCode(503).end("try again");
          } else {
            req.response().end("second try");
          }
        });
    redis = RedisServer.start();
    dir = Files.createTempDirectory("loops");
    TestCerts certs = TestCerts.in(dir);
    certs.server("gw", "loops.example.com");
    certs.server("idp", "localhost");
    early = Jwts.rsa("early");
    late = Jwts.rsa("late");
    served = Jwts.jwks(early);
    jwksServer = Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(dir.resolve("idp.crt").toString())
                .setKeyPath(dir.resolve("idp.key").toString())))
        .requestHandler(r -> {
          fetches.incrementAndGet();
          String document = served;
          // Slow enough that requests on every loop wait on the one fetch that is under way.
          vertx.setTimer(300, t -> r.response().putHeader("content-type", "application/json").end(document));
        })
        .listen(0, "127.0.0.1"));
    gateway = TestGateway.startRaw("""
        admin: { port: 0 }
        listeners:
          - { name: http, port: 0, protocol: HTTP }
        %s
        upstreams: [{ name: up, endpoints: ["%s"], retryBudget: { percent: 100, minRetries: 200 } }]
        routes:
          - name: flaky
            match: [{ path: { prefix: /flaky } }]
            backends: [{ upstream: up }]
            retries: { attempts: 1, on: ["503"], backoff: { min: 5ms, base: 5ms } }
          - { name: secure, match: [{ path: { prefix: /secure } }], backends: [{ upstream: up }] }
          - name: limited
            match: [{ path: { prefix: /limited } }]
            backends: [{ upstream: up }]
            rateLimit: { requestsPerSecond: 100000, burst: 100000, key: route, global: { redis: "%s", failOpen: false } }
          - { name: open, backends: [{ upstream: up }] }
        authentication:
          - name: idp
            issuer: %s
            jwksUri: https://localhost:%d/jwks.json
            jwksCaCert: %s
            jwksTimeout: 20s
            cache: { jwksMinInterval: 0s }
        authorization:
          - name: require-jwt
            action: ALLOW
            routes: [secure]
            rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }]
          - { name: open-to-all, action: ALLOW, routes: [open, flaky, limited], rules: [{}] }
        """.formatted(certs.httpsListener("gw"), upstream.address(), redis.url(), ISSUER, jwksServer.actualPort(), certs.caCert()),
        4, UnaryOperator.identity());
    // The gateway fetches the JWKS when it starts (answered after 300 ms): a test that needs a
    // new fetch must not find that first one still under way.
    String token = Jwts.sign(early, Jwts.claims(ISSUER, "alice", UnaryOperator.identity()));
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (gateway.get("/secure/warm", Map.of("authorization", "Bearer " + token)).status() != 200) {
      assertTrue(System.nanoTime() < deadline, "the gateway never got the JWKS it fetches at start");
      Thread.sleep(50);
    }
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    jwksServer.close();
    redis.close();
    vertx.close();
  }

  /** An HTTP/1.1 client keeping up to {@link #CONNECTIONS} connections to the gateway. */
  private static HttpClient client(boolean tls) {
    HttpClientOptions options = new HttpClientOptions().setKeepAlive(true);
    if (tls) {
      options.setSsl(true).setForceSni(true)
          .setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve("ca.crt").toString()));
    }
    return vertx.httpClientBuilder().with(options).with(new PoolOptions().setHttp1MaxSize(CONNECTIONS)).build();
  }

  private static RequestOptions to(boolean tls, HttpMethod method, String path) {
    int port = gateway.gatehouse.listenerPort(tls ? "https" : "http");
    return new RequestOptions().setMethod(method).setHost(tls ? "loops.example.com" : "127.0.0.1").setPort(port)
        .setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1")).setURI(path);
  }

  /** Sends every request at once and waits for all answers: "STATUS BODY" each, in request order. */
  private static List<String> all(HttpClient client, List<RequestOptions> requests, List<Buffer> bodies) {
    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      Buffer body = bodies.get(i);
      answers.add(client.request(requests.get(i))
          .compose(req -> body == null ? req.send() : req.send(body))
          .compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b)));
    }
    Await.result(Future.join(answers));
    List<String> got = new ArrayList<>();
    for (Future<String> answer : answers) {
      got.add(answer.succeeded() ? answer.result() : "failed: " + answer.cause());
    }
    return got;
  }

  /** Sends {@code count} GETs of {@code prefix + i} at once on a fresh client, each with {@code headers}. */
  private static List<String> gets(boolean tls, String prefix, int count, Map<String, String> headers) {
    HttpClient client = client(tls);
    try {
      List<RequestOptions> requests = new ArrayList<>();
      List<Buffer> bodies = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        RequestOptions request = to(tls, HttpMethod.GET, prefix + i);
        headers.forEach(request::putHeader);
        requests.add(request);
        bodies.add(null);
      }
      return all(client, requests, bodies);
    } finally {
      client.close();
    }
  }

  @ParameterizedTest(name = "tls={0}")
  @ValueSource(booleans = {false, true})
  void streamedResponsesAndRequestBodiesAreRelayedWhicheverLoopHoldsTheUpstreamConnection(boolean tls) {
    HttpClient client = client(tls);
    try {
      List<RequestOptions> requests = new ArrayList<>();
      List<Buffer> bodies = new ArrayList<>();
      List<String> expected = new ArrayList<>();
      Buffer upload = Buffer.buffer(new byte[48 * 1024]);
      for (int i = 0; i < 480; i++) {
        if (i % 3 == 0) {
          requests.add(to(tls, HttpMethod.POST, "/upload"));
          bodies.add(upload);
          expected.add("200 got " + upload.length());
        } else {
          requests.add(to(tls, HttpMethod.GET, "/pieces/" + i));
          bodies.add(null);
          expected.add("200 a" + i + "b" + i + "c" + i);
        }
      }
      assertEquals(expected, all(client, requests, bodies));
    } finally {
      client.close();
    }
  }

  @Test
  void retriesWaitingOutTheirBackoffAnswerOnTheirOwnLoop() {
    List<String> got = gets(false, "/flaky/", 120, Map.of());
    assertEquals(List.of("200 second try"), got.stream().distinct().toList(), got.toString());
  }

  @Test
  void requestsCheckedAgainstRedisAnswerOnTheirOwnLoop() {
    List<String> got = gets(false, "/limited/", 120, Map.of());
    // failOpen: false, so a request answered without Redis's word would be a 503, not a 200.
    assertEquals(120, got.stream().filter(s -> s.startsWith("200 ")).count(), got.toString());
  }

  @Test
  void requestsOnEveryLoopWaitOnOneJwksFetchAndAnswerOnTheirOwn() {
    String token = Jwts.sign(late, Jwts.claims(ISSUER, "alice", UnaryOperator.identity()));
    served = Jwts.jwks(early, late); // the gateway fetched only "early" at start: "late" needs a fetch
    int before = fetches.get();
    List<String> got = gets(true, "/secure/", 48, Map.of("authorization", "Bearer " + token));
    assertEquals(48, got.stream().filter(s -> s.startsWith("200 ")).count(), got.toString());
    int made = fetches.get() - before;
    assertTrue(made >= 1 && made < 48, made + " fetches for 48 requests: they did not share the one under way");
  }
}
