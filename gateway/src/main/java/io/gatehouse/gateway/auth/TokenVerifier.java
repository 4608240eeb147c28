package io.gatehouse.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.routes.auth.JwtProvider;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Checks tokens of one provider with nimbus-jose-jwt: a JWS (never {@code alg: none}) signed with
 * an RSA or ECDSA algorithm by a public key of the provider's JWKS (the key's type must fit the
 * algorithm, so an HMAC "signed" with a public key's bytes is refused), naming the provider's
 * issuer and, when it lists audiences, one of them, and within its {@code nbf}..{@code exp} (give or take the
 * clock skew). Verified tokens are remembered until they expire (bounded), so a repeated token
 * costs a cache lookup. CPU only: safe on an event loop. Public for the JMH benchmark in perf/.
 */
public final class TokenVerifier {
  /** Why a token was refused; for the access log, never shown to the client. */
  public static final class Invalid extends Exception {
    Invalid(String why) {
      super(why, null, false, false);
    }
  }

  private final JwtProvider provider;
  private final Clock clock;
  private final long skewMillis;
  private final Cache<String, Verified> verified;

  public TokenVerifier(JwtProvider provider, Clock clock) {
    this.provider = provider;
    this.clock = clock;
    this.skewMillis = provider.clockSkew().toMillis();
    this.verified = Caffeine.newBuilder().maximumSize(provider.cache().maxTokens())
        .expireAfter(new Expiry<String, Verified>() {
          @Override public long expireAfterCreate(String key, Verified v, long now) {
            long millis = v.notAfterMillis() == Long.MAX_VALUE ? TimeUnit.HOURS.toMillis(1)
                : Math.max(0, v.notAfterMillis() + skewMillis - clock.millis());
            return TimeUnit.MILLISECONDS.toNanos(Math.min(millis, TimeUnit.HOURS.toMillis(1)));
          }

          @Override public long expireAfterUpdate(String key, Verified v, long now, long current) {
            return current;
          }

          @Override public long expireAfterRead(String key, Verified v, long now, long current) {
            return current;
          }
        }).build();
  }

  JwtProvider provider() {
    return provider;
  }

  /** The token's earlier verification if it is still within its times, else null. */
  public Verified cached(String token) {
    Verified v = verified.getIfPresent(token);
    if (v == null) {
      return null;
    }
    long now = clock.millis();
    return now <= plus(v.notAfterMillis(), skewMillis) && now >= v.notBeforeMillis() - skewMillis ? v : null;
  }

  /** Forgets every verified token: the key set changed, so a removed key must not keep working. */
  void forget() {
    verified.invalidateAll();
  }

  /**
   * Parses {@code token} as a JWS (its signature not yet checked); a JWE or {@code alg: none} is
   * invalid, and so is any character outside base64url and the dots (RFC 7515 §7.1): nimbus's
   * decoder skips such characters, so without this check a signed token with bytes added to it
   * (found by TokenFuzzTest) would verify as a different string.
   */
  public static SignedJWT parse(String token) throws Invalid {
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
        throw new Invalid("malformed token");
      }
    }
    try {
      return SignedJWT.parse(token);
    } catch (ParseException | RuntimeException e) {
      throw new Invalid("malformed token");
    }
  }

  /** The issuer the token claims, unverified (to pick its provider), or "". */
  static String claimedIssuer(SignedJWT jwt) {
    try {
      String iss = jwt.getJWTClaimsSet().getIssuer();
      return iss == null ? "" : iss;
    } catch (ParseException | RuntimeException e) {
      return "";
    }
  }

  /** Checks {@code jwt} (the text {@code token}) against {@code keys}; remembers it when valid. */
  public Verified verify(String token, SignedJWT jwt, JWKSet keys) throws Invalid {
    JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
    boolean rsa = JWSAlgorithm.Family.RSA.contains(alg);
    boolean ec = JWSAlgorithm.Family.EC.contains(alg);
    if (!rsa && !ec) {
      throw new Invalid("algorithm " + alg + " is not accepted (expected RS*, PS* or ES*)");
    }
    String kid = jwt.getHeader().getKeyID();
    boolean signed = false;
    boolean candidate = false;
    for (JWK key : keys.getKeys()) {
      if (kid != null && !kid.equals(key.getKeyID())) {
        continue;
      }
      try {
        JWSVerifier verifier = rsa && key instanceof RSAKey r ? new RSASSAVerifier(r.toRSAPublicKey())
            : ec && key instanceof ECKey e ? new ECDSAVerifier(e.toECPublicKey()) : null;
        if (verifier == null) {
          continue;
        }
        candidate = true;
        if (jwt.verify(verifier)) {
          signed = true;
          break;
        }
      } catch (JOSEException | RuntimeException e) {
        // a key that does not fit this algorithm (curve, size): try the next
      }
    }
    if (!candidate) {
      throw new Invalid(kid == null ? "no key of the key set fits " + alg : "unknown key id " + kid);
    }
    if (!signed) {
      throw new Invalid("signature does not verify");
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new Invalid("malformed claims");
    }
    if (!provider.issuer().equals(claims.getIssuer())) {
      throw new Invalid("issuer " + claims.getIssuer() + " is not " + provider.issuer());
    }
    List<String> audiences = claims.getAudience();
    if (!provider.audiences().isEmpty() && audiences.stream().noneMatch(provider.audiences()::contains)) {
      throw new Invalid("audience " + audiences + " is not one of " + provider.audiences());
    }
    long now = clock.millis();
    long notAfter = millis(claims.getExpirationTime(), Long.MAX_VALUE);
    long notBefore = millis(claims.getNotBeforeTime(), Long.MIN_VALUE + 1 + skewMillis);
    if (now > plus(notAfter, skewMillis)) {
      throw new Invalid("expired");
    }
    if (now < notBefore - skewMillis) {
      throw new Invalid("not yet valid");
    }
    String subject = claims.getSubject() == null ? "" : claims.getSubject();
    Verified v = new Verified(provider.name(), claims.getIssuer(), subject, claims.getClaims(),
        jwt.getParsedParts()[1].toString(), notAfter, notBefore);
    verified.put(token, v);
    return v;
  }

  /** {@code a + b}, held at {@code Long.MAX_VALUE}: a token without {@code exp} (Long.MAX_VALUE) never expires, as in Envoy. */
  private static long plus(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  private static long millis(Date date, long fallback) {
    return date == null ? fallback : date.getTime();
  }
}
