package io.gatehouse.routes.load;

import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerEdge;
import io.gatehouse.routes.ListenerEdge.EscapedSlashes;
import io.gatehouse.routes.ListenerEdge.PathNormalization;
import io.gatehouse.routes.ListenerEdge.UnderscoreHeaders;
import io.gatehouse.routes.egress.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a listener's edge keys ({@link ListenerEdge}): path normalisation, the escaped-slash action,
 * the original-path header, underscore headers, trusted hops and CIDRs, and the Host-vs-certificate
 * check. They are HTTP and HTTPS keys ({@code hostMustMatchCertificate} HTTPS only); every key left
 * out keeps its {@link ListenerEdge#DEFAULT}.
 */
final class EdgeReader {
  static final Set<String> KEYS = Set.of("pathNormalization", "escapedSlashes", "originalPathHeader",
      "headersWithUnderscores", "trustedHops", "trustedCidrs", "hostMustMatchCertificate");
  private static final Pattern HEADER_NAME = Pattern.compile("[a-z0-9!#$%&'*+.^`|~-]+");

  private EdgeReader() {}

  static ListenerEdge read(Fields f, String name, Listener.Protocol protocol) {
    boolean http = protocol == Listener.Protocol.HTTP || protocol == Listener.Protocol.HTTPS;
    for (String key : KEYS) {
      if (f.has(key) && !http) {
        f.problems().add(f.origin(key), "listener " + Fields.quote(name) + ": \"" + key
            + "\" is only for protocols HTTP and HTTPS (this one is " + protocol + ")");
      } else if (key.equals("hostMustMatchCertificate") && f.has(key) && protocol != Listener.Protocol.HTTPS) {
        f.problems().add(f.origin(key), "listener " + Fields.quote(name)
            + ": \"hostMustMatchCertificate\" is only for protocol HTTPS (this one is " + protocol + ")");
      }
    }
    return values(f);
  }

  /** The edge keys of {@code f}, for any listener they apply to (a Kubernetes source's: every listener it makes). */
  static ListenerEdge values(Fields f) {
    ListenerEdge d = ListenerEdge.DEFAULT;
    PathNormalization normalization = f.enumValue("pathNormalization", PathNormalization.class, d.pathNormalization());
    EscapedSlashes slashes = f.enumValue("escapedSlashes", EscapedSlashes.class, EscapedSlashes.defaultFor(normalization));
    if (normalization == PathNormalization.DECODE_AND_MERGE_SLASHES && slashes == EscapedSlashes.KEEP_UNCHANGED) {
      f.problems().add(f.origin("escapedSlashes"), f.what() + ": escapedSlashes KEEP_UNCHANGED contradicts"
          + " pathNormalization DECODE_AND_MERGE_SLASHES (which decodes %2F and %5C); use MERGE_SLASHES to keep them");
    }
    String header = f.string("originalPathHeader", d.originalPathHeader());
    if (!header.isEmpty() && !HEADER_NAME.matcher(header).matches()) {
      f.problems().add(f.origin("originalPathHeader"), f.what() + ".originalPathHeader: " + Fields.quote(header)
          + " is not a lowercase header name (expected e.g. x-envoy-original-path)");
    }
    return new ListenerEdge(normalization, slashes, header,
        f.enumValue("headersWithUnderscores", UnderscoreHeaders.class, d.headersWithUnderscores()),
        f.integer("trustedHops", d.trustedHops(), 0, 32), cidrs(f), f.bool("hostMustMatchCertificate",
            d.hostMustMatchCertificate()));
  }

  private static List<String> cidrs(Fields f) {
    List<String> out = new ArrayList<>();
    for (Node item : f.list("trustedCidrs")) {
      String text = item instanceof Node.Scalar s ? s.text() : null;
      try {
        if (text == null) {
          throw new IllegalArgumentException("not a value");
        }
        Cidr.parse(text.indexOf('/') < 0 ? text + (text.indexOf(':') < 0 ? "/32" : "/128") : text);
        out.add(text);
      } catch (IllegalArgumentException e) {
        f.problems().add(item.origin(), f.what() + ".trustedCidrs: " + Fields.describe(item)
            + " is not a CIDR (expected e.g. 10.0.0.0/8, 192.0.2.7, fc00::/7)");
      }
    }
    return out;
  }
}
