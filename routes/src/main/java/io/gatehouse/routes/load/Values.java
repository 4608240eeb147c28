package io.gatehouse.routes.load;

import io.gatehouse.routes.DataSize;
import io.gatehouse.routes.Upstream;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for the small value syntaxes of the config: durations, sizes, host names, endpoints, CIDRs. */
public final class Values {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
  private static final Pattern DNS_NAME =
      Pattern.compile("(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*");
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

  /**
   * The longest timeout the gateway takes, 596h (24.8 days): Vert.x takes idle and connect
   * timeouts as int milliseconds, and 2^31 ms is a little over 596h.
   */
  public static final Duration MAX_TIMEOUT = Duration.ofHours(596);

  private Values() {}

  /** {@code 250ms}, {@code 5s}, {@code 1m}, {@code 1h}; the unit is required ({@code 0s}, not {@code 0}). */
  public static Optional<Duration> duration(String text) {
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    return Optional.of(switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    });
  }

  /** See {@link DataSize#parse}. */
  public static Optional<DataSize> size(String text) {
    return DataSize.parse(text);
  }

  /** A DNS name or IPv4 literal, lowercase, without a trailing dot. */
  public static boolean isHostName(String lowercase) {
    return DNS_NAME.matcher(lowercase).matches() || isIpv4(lowercase);
  }

  public static boolean isIpv4(String text) {
    Matcher m = IPV4.matcher(text);
    if (!m.matches()) {
      return false;
    }
    for (int i = 1; i <= 4; i++) {
      if (Integer.parseInt(m.group(i)) > 255) {
        return false;
      }
    }
    return true;
  }

  /** An IPv6 literal (no brackets), checked without any name resolution. */
  public static boolean isIpv6(String text) {
    if (text.indexOf(':') < 0 || !text.matches("[0-9a-fA-F:.]+")) {
      return false;
    }
    try {
      // A literal with a colon is parsed, never looked up.
      return java.net.InetAddress.getByName(text) instanceof java.net.Inet6Address
          || text.startsWith("::ffff:");
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** A route or certificate host: {@code *}, an exact name, or {@code *.suffix}. Lowercases; empty if invalid. */
  public static Optional<String> hostPattern(String text) {
    String host = normaliseHost(text);
    if (host.equals("*")) {
      return Optional.of(host);
    }
    String name = host.startsWith("*.") ? host.substring(2) : host;
    return isHostName(name) ? Optional.of(host) : Optional.empty();
  }

  public static String normaliseHost(String text) {
    String host = text.trim().toLowerCase(Locale.ROOT);
    return host.endsWith(".") && host.length() > 1 ? host.substring(0, host.length() - 1) : host;
  }

  /** {@code host:port}, {@code [v6]:port}; empty if malformed. */
  static Optional<Upstream.Endpoint> endpoint(String text) {
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf("]:");
      if (close < 0) {
        return Optional.empty();
      }
      host = text.substring(1, close);
      port = text.substring(close + 2);
      if (!isIpv6(host)) {
        return Optional.empty();
      }
    } else {
      int colon = text.lastIndexOf(':');
      if (colon <= 0 || text.indexOf(':') != colon) {
        return Optional.empty();
      }
      host = normaliseHost(text.substring(0, colon));
      port = text.substring(colon + 1);
      if (!isHostName(host)) {
        return Optional.empty();
      }
    }
    try {
      int p = Integer.parseInt(port);
      return p >= 1 && p <= 65535 ? Optional.of(new Upstream.Endpoint(host, p)) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Why {@code text} is not an IPv4 or IPv6 CIDR, or empty when it is one. */
  public static Optional<String> cidrProblem(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      return Optional.of("missing /prefix-length");
    }
    String address = text.substring(0, slash);
    int max = isIpv4(address) ? 32 : isIpv6(address) ? 128 : -1;
    if (max < 0) {
      return Optional.of(Fields.quote(address) + " is not an IPv4 or IPv6 address");
    }
    try {
      int bits = Integer.parseInt(text.substring(slash + 1));
      return bits >= 0 && bits <= max ? Optional.empty() : Optional.of("prefix length must be 0.." + max);
    } catch (NumberFormatException e) {
      return Optional.of("prefix length must be 0.." + max);
    }
  }
}
