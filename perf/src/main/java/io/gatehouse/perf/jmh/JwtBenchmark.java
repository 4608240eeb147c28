package io.gatehouse.perf.jmh;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.gateway.auth.TokenVerifier;
import io.gatehouse.routes.auth.Attachment;
import io.gatehouse.routes.auth.JwtProvider;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a JWT costs the gateway per request. {@link #repeatedToken}: a token verified before (the
 * common case: a client sends the same token until it expires) is a copy of the header value
 * (as each request has its own) and a cache lookup; target under 5 µs. {@link #firstSight}: a
 * token seen for the first time is parsed and its RS256 signature checked.
 *
 * <pre>java -jar perf/target/benchmarks.jar JwtBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class JwtBenchmark {
  private TokenVerifier verifier;
  private JWKSet keys;
  private char[] token;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
    keys = new JWKSet(List.of(key.toPublicJWK()));
    JwtProvider provider = new JwtProvider("idp", "https://idp.example.com", List.of("shop"),
        new JwtProvider.Jwks.Inline(keys.toString()), JwtProvider.DEFAULT_HEADERS, JwtProvider.DEFAULT_PARAMS, List.of(),
        false, "", List.of(), JwtProvider.DEFAULT_CLOCK_SKEW, JwtProvider.Cache.DEFAULT, Attachment.EVERYWHERE);
    verifier = new TokenVerifier(provider, Clock.systemUTC());
    String signed = sign(key);
    token = signed.toCharArray();
    verifier.verify(signed, TokenVerifier.parse(signed), keys);
  }

  private static String sign(RSAKey key) throws JOSEException {
    Instant now = Instant.now();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("https://idp.example.com").subject("alice")
        .audience("shop").claim("groups", List.of("customers", "staff")).issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(86_400))).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  @Benchmark
  public Object repeatedToken() {
    return verifier.cached(new String(token));
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Object firstSight() throws TokenVerifier.Invalid {
    String text = new String(token);
    return verifier.verify(text, TokenVerifier.parse(text), keys);
  }
}
