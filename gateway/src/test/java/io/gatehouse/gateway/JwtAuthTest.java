package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * JWT authentication against a real JWKS server (HTTPS on port 0, its certificate from a test CA
 * named by {@code jwksCaCert}) whose keys rotate during the test, with tokens signed here.
 */
class JwtAuthTest {
  static final String ISSUER = "https://idp.test";
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;
  static HttpServer jwksServer;
  static final AtomicReference<String> served = new AtomicReference<>();
  static final AtomicInteger fetches = new AtomicInteger();
  static RSAKey k1;
  static RSAKey k2;
  static ECKey ec;

  @BeforeAll
  static void start() throws IOException {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    Path dir = Files.createTempDirectory("jwks");
    TestCerts certs = TestCerts.in(dir);
    certs.server("idp", "localhost");
    k1 = Jwts.rsa("k1");
    k2 = Jwts.rsa("k2");
    ec = Jwts.ec("e1");
    served.set(Jwts.jwks(k1));
    jwksServer = Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(dir.resolve("idp.crt").toString())
                .setKeyPath(dir.resolve("idp.key").toString())))
        .requestHandler(r -> {
          fetches.incrementAndGet();
          r.response().putHeader("content-type", "application/json").end(served.get());
        })
        .listen(0, "127.0.0.1"));
    gateway = TestGateway.start("""
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes:
          - { name: secure, match: [{ path: { prefix: /secure } }], backends: [{ upstream: up }] }
          - { name: open, backends: [{ upstream: up }] }
        authentication:
          - name: idp
            issuer: %s
            audiences: [shop]
            jwksUri: https://localhost:%d/jwks.json
            jwksCaCert: %s
            jwksTimeout: 20s
            cache: { jwksMinInterval: 0s }
            fromHeaders: [{ name: Authorization, prefix: "Bearer " }]
            fromParams: [access_token]
            fromCookies: [session]
            outputPayloadToHeader: x-jwt-payload
            outputClaimToHeaders: [{ header: x-sub, claim: sub }, { header: x-groups, claim: groups }]
          - name: ec
            issuer: ec.test
            jwks: '%s'
            forwardOriginalToken: true
        authorization:
          - name: require-jwt
            action: ALLOW
            routes: [secure]
            rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }]
          - name: open-to-all
            action: ALLOW
            routes: [open]
            rules: [{}]
        """.formatted(upstream.address(), ISSUER, jwksServer.actualPort(), certs.caCert(), Jwts.jwks(ec)));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    jwksServer.close();
    vertx.close();
  }

  private static TestGateway.TestResponse bearer(String path, String token) {
    return gateway.get(path, Map.of("authorization", "Bearer " + token));
  }

  private static JWTClaimsSet valid() {
    return Jwts.claims(ISSUER, "alice", b -> b.claim("groups", java.util.List.of("admin", "dev")));
  }

  private static void assertInvalid(TestGateway.TestResponse r, String what) {
    assertEquals(401, r.status(), what + ": " + r.body());
    assertEquals("Bearer error=\"invalid_token\"", r.header("www-authenticate"), what);
    assertEquals("jwt_authn_access_denied", new JsonObject(r.body()).getString("reason"), what);
    assertEquals("jwt_authn_access_denied", r.header("x-gatehouse-reason"), what);
  }

  @Test
  void aValidTokenReachesTheUpstreamWithItsClaimsAndWithoutTheToken() {
    TestGateway.TestResponse r = bearer("/secure/a", Jwts.sign(k1, valid()));
    assertEquals(200, r.status(), r.body());
    EchoUpstream.Received got = upstream.lastRequest();
    assertEquals("alice", got.header("x-sub"));
    assertEquals("admin,dev", got.header("x-groups"));
    assertNull(got.header("authorization"), "forwardOriginalToken is off");
    String payload = new String(Base64.getUrlDecoder().decode(got.header("x-jwt-payload")));
    assertEquals(ISSUER, new JsonObject(payload).getString("iss"));
  }

  @Test
  void theSameTokenAgainIsServedFromTheCache() {
    String token = Jwts.sign(k1, valid());
    for (int i = 0; i < 3; i++) {
      assertEquals(200, bearer("/secure/again", token).status());
    }
  }

  @Test
  void aTokenInAQueryParameterOrCookieCounts() {
    String token = Jwts.sign(k1, valid());
    assertEquals(200, gateway.get("/secure/q?access_token=" + token).status());
    assertEquals(200, gateway.get("/secure/c", Map.of("cookie", "a=b; session=" + token)).status());
  }

  @Test
  void noTokenPassesAuthenticationAndIsLeftToThePolicy() {
    assertEquals(200, gateway.get("/open").status(), "no policy asks for a principal here");
    TestGateway.TestResponse r = gateway.get("/secure/x");
    assertEquals(403, r.status(), r.body());
    assertEquals("rbac_access_denied", new JsonObject(r.body()).getString("reason"));
    Await.until("the access log names the policy", 5, () -> gateway.accessLog().contains("\"policy\":\"ALLOW none\""));
  }

  @Test
  void anExpiredTokenIsRefused() {
    Instant past = Instant.now().minusSeconds(3600);
    assertInvalid(bearer("/open", Jwts.sign(k1, Jwts.claims(ISSUER, "alice", b -> b.expirationTime(Date.from(past))))),
        "expired");
  }

  @Test
  void aTokenNotYetValidIsRefused() {
    Instant later = Instant.now().plusSeconds(600);
    assertInvalid(bearer("/open", Jwts.sign(k1, Jwts.claims(ISSUER, "alice", b -> b.notBeforeTime(Date.from(later))))),
        "nbf in 10 minutes");
  }

  @Test
  void aTokenWithinTheClockSkewIsAccepted() {
    Instant justExpired = Instant.now().minusSeconds(20);
    assertEquals(200, bearer("/open", Jwts.sign(k1, Jwts.claims(ISSUER, "alice",
        b -> b.expirationTime(Date.from(justExpired))))).status(), "expired 20 s ago, skew is 60 s");
  }

  @Test
  void aWrongIssuerOrAudienceIsRefused() {
    assertInvalid(bearer("/open", Jwts.sign(k1, Jwts.claims("https://evil.test", "alice", b -> b))), "issuer");
    assertInvalid(bearer("/open", Jwts.sign(k1, Jwts.claims(ISSUER, "alice", b -> b.audience("other")))), "audience");
  }

  @Test
  void forgedTokensAreRefused() {
    assertInvalid(bearer("/open", Jwts.unsigned(valid())), "alg none");
    assertInvalid(bearer("/open", Jwts.hmacWithPublicKey(k1, valid())), "HS256 with the RSA public key");
    RSAKey impostor = Jwts.rsa("k1");
    assertInvalid(bearer("/open", Jwts.sign(impostor, valid())), "another key under the same kid");
    assertInvalid(bearer("/open", "not.a.token"), "garbage");
  }

  @Test
  void aKeyRotatedInIsFetchedWhenATokenNamesIt() {
    String token = Jwts.sign(k2, valid());
    assertInvalid(bearer("/open", token), "k2 is not published yet");
    int before = fetches.get();
    served.set(Jwts.jwks(k1, k2));
    assertEquals(200, bearer("/open", token).status(), "k2 published: the unknown kid triggers a fetch");
    assertTrue(fetches.get() > before);
    assertEquals(200, bearer("/open", Jwts.sign(k1, valid())).status(), "k1 still published");
  }

  @Test
  void anEcProviderWithAnInlineKeySetForwardsItsToken() {
    String token = Jwts.sign(ec, Jwts.claims("ec.test", "bob", b -> b));
    assertEquals(200, bearer("/secure/ec", token).status());
    assertEquals("Bearer " + token, upstream.lastRequest().header("authorization"), "forwardOriginalToken: true");
  }

  @Test
  void outcomesAreCounted() {
    bearer("/open", Jwts.sign(k1, valid()));
    bearer("/open", Jwts.unsigned(valid()));
    String metrics = gateway.admin("/metrics").body();
    assertTrue(metrics.contains("gatehouse_authn_total{provider=\"idp\",result=\"valid\"}"), metrics);
    assertTrue(metrics.contains("gatehouse_authn_total{provider=\"idp\",result=\"invalid\"}"), metrics);
    assertTrue(metrics.contains("gatehouse_authz_total{action=\"ALLOW\",policy=\"open-to-all\",result=\"allowed\"}"), metrics);
  }
}
