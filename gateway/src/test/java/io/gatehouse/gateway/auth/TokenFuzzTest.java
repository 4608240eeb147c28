package io.gatehouse.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.routes.auth.Attachment;
import io.gatehouse.routes.auth.JwtProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing (Jazzer) of what the gateway does with a token, in the order
 * {@link Guard} does it: find it in a header, query parameter or cookie ({@link TokenLocation}),
 * answer it from the cache, parse it (nimbus), pick the provider by its claimed issuer, and verify
 * it against a JWKS ({@link TokenVerifier}). For any input: nothing but {@link TokenVerifier.Invalid}
 * is thrown (anything else would be a 500 on an event loop), nothing is accepted that the JWKS's
 * keys did not sign (the private keys were thrown away once the seeds were signed, so the signing
 * inputs of {@code fuzz-signed-tokens.txt} are the only ones that exist), and one input takes well
 * under a second of CPU.
 *
 * <p>The first byte of an input says where the rest goes: 0 {@code Authorization}, 1
 * {@code x-token} (no prefix), 2 the {@code access_token} parameter, 3 the whole {@code Cookie}
 * header (token in {@code session}). {@code mvn verify} replays the seeds of
 * {@code TokenFuzzTestInputs} (a valid RS256, PS256 and ES256 token in each place, {@code alg:
 * none}, HS256 signed with the RSA public key, truncated, huge, expired, wrong issuer/audience,
 * unknown {@code kid}, JWE) in the surefire execution {@code fuzz}, a JVM of its own: the Jazzer
 * agent never shares a JVM with the live-server tests. Fuzz with
 * {@code JAZZER_FUZZ=1 mvn -pl gateway -am test -Dtest=TokenFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("jazzer")
class TokenFuzzTest {
  static final String ISSUER = "https://idp.fuzz";
  static final long MAX_MILLIS_PER_INPUT = 1000;

  static final JwtProvider PROVIDER = new JwtProvider("fuzz", ISSUER, List.of("shop"),
      new JwtProvider.Jwks.Inline(resource("fuzz-jwks.json")),
      List.of(JwtProvider.FromHeader.AUTHORIZATION, new JwtProvider.FromHeader("x-token", "")), List.of("access_token"),
      List.of("session"), false, "", List.of(), JwtProvider.DEFAULT_CLOCK_SKEW, JwtProvider.Cache.DEFAULT, Attachment.EVERYWHERE);
  static final JWKSet KEYS = keys();
  static final TokenLocation LOCATION = new TokenLocation(PROVIDER);
  /** header.payload of every token the (discarded) private keys ever signed. */
  static final Set<String> SIGNED = resource("fuzz-signed-tokens.txt").lines().filter(l -> !l.isBlank())
      .map(t -> t.substring(0, t.lastIndexOf('.'))).collect(Collectors.toUnmodifiableSet());
  /** One verifier for the whole run, so that its cache answers repeated tokens as in the gateway. */
  static final TokenVerifier VERIFIER = new TokenVerifier(PROVIDER, Clock.systemUTC());
  static final Path SEEDS = Path.of("src/test/resources/io/gatehouse/gateway/auth/TokenFuzzTestInputs/tokensAreFoundCheckedAndNeverForged");
  /** Time is the thread's CPU time: on a busy machine wall time measures the neighbours. */
  static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  static {
    // Load and JIT-compile every path once (RSA, PS, EC, JWE, none) before anything is timed.
    try (Stream<Path> files = Files.list(SEEDS)) {
      for (Path seed : files.toList()) {
        checkFresh(Files.readAllBytes(seed));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "60s")
  void tokensAreFoundCheckedAndNeverForged(byte[] input) {
    if (input.length == 0) {
      return;
    }
    Map<String, String> headers = new HashMap<>();
    Map<String, String> params = new HashMap<>();
    place(input, headers, params);
    long start = THREADS.getCurrentThreadCpuTime();
    Verified accepted = check(VERIFIER, headers, params);
    long millis = TimeUnit.NANOSECONDS.toMillis(THREADS.getCurrentThreadCpuTime() - start);
    assertTrue(millis < MAX_MILLIS_PER_INPUT, "one input took " + millis + " ms of CPU");
    if (accepted != null) {
      assertEquals(ISSUER, accepted.issuer());
      String token = LOCATION.find(headers::get, params::get).token();
      assertTrue(SIGNED.contains(token.substring(0, token.lastIndexOf('.'))), "accepted a token no key signed: " + token);
      assertTrue(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256)
          .contains(parse(token).getHeader().getAlgorithm()), token);
    }
  }

  /**
   * The seeds decide as the gateway must, so the fuzz target's "accepted" branch is reached: each
   * valid token (RS256, PS256, ES256, without {@code kid}, without {@code exp}) in each place is
   * accepted; every forged or unfit one is refused.
   */
  @Test
  void seedsAreAcceptedOrRefusedAsTheyShould() throws IOException {
    List<String> wrong = new java.util.ArrayList<>();
    int count = 0;
    try (Stream<Path> files = Files.list(SEEDS)) {
      for (Path seed : files.sorted().toList()) {
        String name = seed.getFileName().toString();
        boolean valid = name.startsWith("valid-") || name.equals("no-exp") || name.equals("huge");
        // A fresh verifier: the cache must not answer for a token seen in another seed.
        Verified v = checkFresh(Files.readAllBytes(seed));
        if ((v != null) != valid) {
          wrong.add(name + (valid ? " refused" : " accepted"));
        }
        count++;
      }
    }
    assertEquals(List.of(), wrong);
    assertTrue(count >= 20, "seeds: " + count);
  }

  private static Verified checkFresh(byte[] input) {
    Map<String, String> headers = new HashMap<>();
    Map<String, String> params = new HashMap<>();
    place(input, headers, params);
    return check(new TokenVerifier(PROVIDER, Clock.systemUTC()), headers, params);
  }

  private static void place(byte[] input, Map<String, String> headers, Map<String, String> params) {
    String value = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
    switch (input[0] & 3) {
      case 0 -> headers.put("authorization", value);
      case 1 -> headers.put("x-token", value);
      case 2 -> params.put("access_token", value);
      default -> headers.put("cookie", value);
    }
  }

  /** Guard's steps, without the event loop: the verified token, or null when there is none or it is refused. */
  private static Verified check(TokenVerifier verifier, Map<String, String> headers, Map<String, String> params) {
    TokenLocation.Found found = LOCATION.find(headers::get, params::get);
    if (found == null) {
      return null;
    }
    Verified cached = verifier.cached(found.token());
    if (cached != null) {
      return cached;
    }
    try {
      SignedJWT jwt = TokenVerifier.parse(found.token());
      if (!TokenVerifier.claimedIssuer(jwt).equals(ISSUER)) {
        return null; // no provider for this issuer: 401 in the gateway
      }
      return verifier.verify(found.token(), jwt, KEYS);
    } catch (TokenVerifier.Invalid refused) {
      return null;
    }
  }

  private static SignedJWT parse(String token) {
    try {
      return TokenVerifier.parse(token);
    } catch (TokenVerifier.Invalid e) {
      throw new AssertionError("accepted, then unparseable: " + token, e);
    }
  }

  private static JWKSet keys() {
    try {
      return KeySource.parse(((JwtProvider.Jwks.Inline) PROVIDER.jwks()).json());
    } catch (ParseException e) {
      throw new AssertionError(e);
    }
  }

  private static String resource(String name) {
    try (InputStream in = TokenFuzzTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
