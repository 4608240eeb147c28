package io.gatehouse.routes;

import java.util.List;

/**
 * What an HTTP or HTTPS listener does to a request before any route sees it (DESIGN.md, "The
 * edge"): how the path is normalised, which client-sent forwarding headers it believes, what
 * happens to header names with {@code _}, and whether a Host the connection's certificate does
 * not cover gets 421. {@link #DEFAULT} is the safe default every listener starts from.
 *
 * @param pathNormalization how the path is normalised before routes match it (as Istio's
 *     {@code meshConfig.pathNormalization})
 * @param escapedSlashes what {@code %2F} and {@code %5C} in a path do (Envoy's
 *     {@code path_with_escaped_slashes_action}); see {@link EscapedSlashes#defaultFor}
 * @param originalPathHeader the header that carries the path as the client sent it when
 *     normalisation changed it (Envoy's {@code x-envoy-original-path}); empty: none is sent
 * @param headersWithUnderscores what a request header with {@code _} in its name does
 *     (Envoy's {@code headers_with_underscores_action})
 * @param trustedHops how many proxies in front of the gateway append to {@code X-Forwarded-For}
 *     (Istio's {@code numTrustedProxies}, Envoy's {@code xff_num_trusted_hops}); 0: none
 * @param trustedCidrs networks whose connections are trusted proxies (CIDR text, validated)
 * @param hostMustMatchCertificate HTTPS only: 421 for a Host the served certificate does not cover
 */
public record ListenerEdge(PathNormalization pathNormalization, EscapedSlashes escapedSlashes,
                           String originalPathHeader, UnderscoreHeaders headersWithUnderscores, int trustedHops,
                           List<String> trustedCidrs, boolean hostMustMatchCertificate) {
  public static final ListenerEdge DEFAULT = new ListenerEdge(PathNormalization.MERGE_SLASHES,
      EscapedSlashes.REJECT_REQUEST, "", UnderscoreHeaders.DROP_HEADER, 0, List.of(), true);

  public ListenerEdge {
    trustedCidrs = List.copyOf(trustedCidrs);
  }

  /** Whether client-sent forwarding headers can ever be believed on this listener. */
  public boolean trustsSomeHop() {
    return trustedHops > 0 || !trustedCidrs.isEmpty();
  }

  /** Istio's {@code ProxyPathNormalization}, in the order of how much each does. */
  public enum PathNormalization {
    /** The path as the client sent it (for upstreams that must see it byte for byte). */
    NONE,
    /** RFC 3986: unreserved {@code %XX} decoded, other hex upper-cased, dot segments removed. */
    BASE,
    /** BASE, then every run of slashes merged into one. */
    MERGE_SLASHES,
    /** MERGE_SLASHES, with {@code %2F} and {@code %5C} decoded to {@code /} first. */
    DECODE_AND_MERGE_SLASHES
  }

  /** Envoy's {@code path_with_escaped_slashes_action}. */
  public enum EscapedSlashes {
    KEEP_UNCHANGED, REJECT_REQUEST, UNESCAPE_AND_REDIRECT, UNESCAPE_AND_FORWARD;

    /**
     * The action when the config names none: NONE keeps the path as sent, DECODE_AND_MERGE_SLASHES
     * decodes (what Istio's mode means), every other mode rejects ({@code /x/..%2Fadmin} is a
     * traversal to a backend that decodes before it routes, CVE-2021-31920).
     */
    public static EscapedSlashes defaultFor(PathNormalization normalization) {
      return switch (normalization) {
        case NONE -> KEEP_UNCHANGED;
        case DECODE_AND_MERGE_SLASHES -> UNESCAPE_AND_FORWARD;
        default -> REJECT_REQUEST;
      };
    }
  }

  /** Envoy's {@code headers_with_underscores_action}. */
  public enum UnderscoreHeaders { ALLOW, DROP_HEADER, REJECT_REQUEST }
}
