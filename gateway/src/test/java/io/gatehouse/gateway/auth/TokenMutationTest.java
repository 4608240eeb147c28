package io.gatehouse.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.routes.auth.Attachment;
import io.gatehouse.routes.auth.JwtProvider;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Whatever a client puts where tokens are looked for, finding and checking it ends in a token, no
 * token, or {@link TokenVerifier.Invalid}, never another exception (a 500); and a change to the
 * signed part of a real token is always refused. Seeded random inputs (a fuzzer's regression run,
 * without the agent): 20 000 strings built from token fragments, and every one-character change
 * to a signed token's header and payload.
 */
class TokenMutationTest {
  private static final String ISSUER = "https://idp.test";
  private static final String[] FRAGMENTS = {"Bearer ", "bearer", " ", ".", "..", "=", ";", "\"", "\\", "%", "eyJ",
      "eyJhbGciOiJub25lIn0", "eyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0", "e30", "bnVsbA", "W10",
      "eyJpc3MiOjF9", "eyJleHAiOiJzb29uIn0", "AAAA", "////", "-_", "\u0000", "\u00e9", "session=", "a=b", "\t"};

  private final ECKey key = generate();
  private final JwtProvider provider = new JwtProvider("idp", ISSUER, List.of(), new JwtProvider.Jwks.Inline("{\"keys\":[]}"),
      List.of(JwtProvider.FromHeader.AUTHORIZATION, new JwtProvider.FromHeader("x-token", "")), List.of("access_token"),
      List.of("session"), false, "", List.of(), JwtProvider.DEFAULT_CLOCK_SKEW, JwtProvider.Cache.DEFAULT, Attachment.EVERYWHERE);
  private final TokenLocation location = new TokenLocation(provider);
  private final JWKSet keys = new JWKSet(List.of(key.toPublicJWK()));

  private static ECKey generate() {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private String signed() throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).subject("alice")
        .expirationTime(Date.from(Instant.now().plusSeconds(600))).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").build(), claims);
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize();
  }

  /** Finds and checks one input: accepted tokens are returned, refused ones are null; anything else fails the test. */
  private Verified check(TokenVerifier verifier, Map<String, String> headers, String param) {
    TokenLocation.Found found;
    try {
      found = location.find(headers::get, name -> param);
    } catch (RuntimeException e) {
      throw new AssertionError("finding a token threw for " + headers + " / " + param, e);
    }
    if (found == null) {
      return null;
    }
    try {
      return verifier.verify(found.token(), TokenVerifier.parse(found.token()), keys);
    } catch (TokenVerifier.Invalid expected) {
      return null;
    } catch (RuntimeException e) {
      throw new AssertionError("checking threw for " + found.token(), e);
    }
  }

  @Test
  void randomInputsEndInATokenNoTokenOrInvalid() throws Exception {
    Random random = new Random(20261202);
    String real = signed();
    TokenVerifier verifier = new TokenVerifier(provider, Clock.systemUTC());
    for (int i = 0; i < 20_000; i++) {
      String a = noise(random, real);
      String b = noise(random, real);
      String c = noise(random, real);
      Map<String, String> headers = random.nextBoolean() ? Map.of("authorization", a, "cookie", b) : Map.of("x-token", a, "cookie", b);
      Verified v = check(verifier, headers, random.nextInt(4) == 0 ? c : null);
      if (v != null && !(a.contains(real) || b.contains(real) || c.contains(real))) {
        fail("accepted a token no key signed: " + headers + " / " + c);
      }
    }
  }

  private static String noise(Random random, String real) {
    StringBuilder out = new StringBuilder();
    int parts = random.nextInt(8);
    for (int p = 0; p < parts; p++) {
      int pick = random.nextInt(FRAGMENTS.length + 2);
      if (pick == FRAGMENTS.length) {
        out.append(real, 0, random.nextInt(real.length() + 1));
      } else if (pick == FRAGMENTS.length + 1) {
        out.append((char) random.nextInt(0x3000));
      } else {
        out.append(FRAGMENTS[pick]);
      }
    }
    return out.toString();
  }

  @Test
  void everyChangeToTheSignedPartIsRefused() throws Exception {
    String real = signed();
    TokenVerifier verifier = new TokenVerifier(provider, Clock.systemUTC());
    assertEquals("alice", check(verifier, Map.of("authorization", "Bearer " + real), null).subject(), "the real token");
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    int signedPart = real.lastIndexOf('.');
    for (int i = 0; i < signedPart; i++) {
      for (int k = 0; k < alphabet.length(); k += 7) {
        char replacement = alphabet.charAt((k + i) % alphabet.length());
        if (replacement == real.charAt(i)) {
          continue;
        }
        String changed = real.substring(0, i) + replacement + real.substring(i + 1);
        // A fresh verifier each time, so the cache cannot answer for the real token.
        TokenVerifier fresh = new TokenVerifier(provider, Clock.systemUTC());
        assertEquals(null, check(fresh, Map.of("authorization", "Bearer " + changed), null), changed);
      }
    }
    assertThrows(TokenVerifier.Invalid.class, () -> TokenVerifier.parse(real.substring(0, signedPart)));
  }
}
