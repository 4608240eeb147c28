package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.RSAKey;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A JWKS file is watched like a certificate: rewriting it swaps the keys, and tokens of a removed key stop working. */
class JwksFileRotationTest {
  @Test
  void rewritingTheKeyFileRotatesTheKeys() throws IOException {
    Vertx vertx = Vertx.vertx();
    EchoUpstream upstream = EchoUpstream.start(vertx);
    Path dir = Files.createTempDirectory("jwks-file");
    Path file = dir.resolve("jwks.json");
    RSAKey old = Jwts.rsa("old");
    RSAKey next = Jwts.rsa("next");
    Files.writeString(file, Jwts.jwks(old));
    try (TestGateway gateway = TestGateway.start("""
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes: [{ name: all, backends: [{ upstream: up }] }]
        authentication: [{ name: idp, issuer: https://idp.test, jwksFile: "%s" }]
        """.formatted(upstream.address(), file))) {
      String oldToken = Jwts.sign(old, Jwts.claims("https://idp.test", "alice", b -> b));
      String nextToken = Jwts.sign(next, Jwts.claims("https://idp.test", "alice", b -> b));
      assertEquals(200, gateway.get("/", Map.of("authorization", "Bearer " + oldToken)).status());
      assertEquals(401, gateway.get("/", Map.of("authorization", "Bearer " + nextToken)).status());

      Files.writeString(file, Jwts.jwks(next));
      Await.until("the new key verifies", 15,
          () -> gateway.get("/", Map.of("authorization", "Bearer " + nextToken)).status() == 200);
      assertEquals(401, gateway.get("/", Map.of("authorization", "Bearer " + oldToken)).status(),
          "a token of the removed key, though verified before, is refused");
    } finally {
      upstream.close();
      vertx.close();
    }
  }
}
