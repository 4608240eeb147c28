package io.gatehouse.routes.auth;

import java.time.Duration;
import java.util.List;

/**
 * One JWT issuer the gateway verifies tokens of, as Istio's RequestAuthentication {@code jwtRules}
 * entry: the token is looked for in {@code fromHeaders}, {@code fromParams} and
 * {@code fromCookies} (the loader fills in Istio's defaults, {@code Authorization: Bearer} and
 * {@code access_token}, when none is given); it must be signed by a key of {@code jwks}, name
 * {@code issuer} and, when {@code audiences} is not empty, one of them. {@code outputPayloadToHeader}
 * ("" for none) receives the verified payload base64url-encoded; {@code outputClaimToHeaders} copies
 * claims into upstream headers. Without {@code forwardOriginalToken} the token is removed before
 * the request goes upstream.
 */
public record JwtProvider(String name, String issuer, List<String> audiences, Jwks jwks,
                          List<FromHeader> fromHeaders, List<String> fromParams, List<String> fromCookies,
                          boolean forwardOriginalToken, String outputPayloadToHeader,
                          List<ClaimToHeader> outputClaimToHeaders, Duration clockSkew, Cache cache,
                          Attachment attachment) {
  public JwtProvider {
    audiences = List.copyOf(audiences);
    fromHeaders = List.copyOf(fromHeaders);
    fromParams = List.copyOf(fromParams);
    fromCookies = List.copyOf(fromCookies);
    outputClaimToHeaders = List.copyOf(outputClaimToHeaders);
  }

  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);

  /** Istio's token locations when none is configured: the Authorization header's Bearer token, then {@code access_token}. */
  public static final List<FromHeader> DEFAULT_HEADERS = List.of(FromHeader.AUTHORIZATION);
  public static final List<String> DEFAULT_PARAMS = List.of("access_token");

  /** A header that carries the token, after {@code prefix} (e.g. {@code "Bearer "}; "" for the whole value). */
  public record FromHeader(String name, String prefix) {
    public static final FromHeader AUTHORIZATION = new FromHeader("authorization", "Bearer ");
  }

  /** Copies claim {@code claim} (a top-level claim; lists are joined with commas) into upstream header {@code header}. */
  public record ClaimToHeader(String header, String claim) {}

  /**
   * Token and key caching: at most {@code maxTokens} verified tokens are remembered (each until its
   * {@code exp}); a remote key set is fetched again every {@code jwksRefresh}, and at most once per
   * {@code jwksMinInterval} when a token names a key id the set does not have.
   */
  public record Cache(int maxTokens, Duration jwksRefresh, Duration jwksMinInterval) {
    public static final Cache DEFAULT = new Cache(10_000, Duration.ofMinutes(5), Duration.ofSeconds(30));
  }

  /** Where the verification keys come from. Only asymmetric keys (RSA, EC, OKP) are used. */
  public sealed interface Jwks {
    /**
     * A JWKS document fetched over HTTPS within {@code timeout}, trusting the JVM's CAs or, when not
     * empty, those in the PEM file {@code caCert}. Plain {@code http} is accepted for loopback hosts only.
     */
    record Remote(String uri, Duration timeout, String caCert) implements Jwks {
      public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    }

    /** A JWKS document written in the config. */
    record Inline(String json) implements Jwks {}

    /** A JWKS document in a file (read when the config is compiled, watched like certificates). */
    record File(String path) implements Jwks {}
  }
}
