package io.gatehouse.certs;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The host names one served certificate is valid for, computed once when it loads: its DNS
 * subject alternative names (exact, and {@code *.} wildcards covering exactly one label, RFC 6125
 * §6.4.3), its IP address SANs, and its common names when it has no DNS SAN. Answers "does it
 * cover this Host" without allocating for a lowercase host name, as the data path asks per request.
 */
final class HostCoverage {
  private final Set<String> exact = new HashSet<>();
  private final String[] wildcardSuffixes; // "*.example.com" is kept as ".example.com"
  private final List<byte[]> ipv6 = new ArrayList<>();

  HostCoverage(List<String> dnsNames, List<String> ipAddresses) {
    List<String> suffixes = new ArrayList<>();
    for (String name : dnsNames) {
      String n = ServingCertificate.normalize(name);
      if (n.startsWith("*.")) {
        suffixes.add(n.substring(1));
      } else {
        exact.add(n);
      }
    }
    for (String ip : ipAddresses) {
      if (ip.indexOf(':') < 0) {
        exact.add(ip);
      } else {
        byte[] bytes = ipv6Bytes(ip);
        if (bytes != null) {
          ipv6.add(bytes);
        }
      }
    }
    this.wildcardSuffixes = suffixes.toArray(String[]::new);
  }

  /** Whether {@code host} (a Host header's name, any case, port already stripped) is covered. */
  boolean covers(String host) {
    if (host == null || host.isEmpty()) {
      return false;
    }
    if (exact.contains(host)) {
      return true;
    }
    if (host.charAt(0) == '[' || host.indexOf(':') >= 0) {
      byte[] address = ipv6Bytes(host.charAt(0) == '[' ? host.substring(1, Math.max(1, host.length() - 1)) : host);
      return address != null && ipv6.stream().anyMatch(a -> Arrays.equals(a, address));
    }
    String name = host;
    if (hasUpperCaseOrTrailingDot(host)) {
      name = ServingCertificate.normalize(host);
      if (exact.contains(name)) {
        return true;
      }
    }
    int dot = name.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    int length = name.length() - dot;
    for (String suffix : wildcardSuffixes) {
      if (suffix.length() == length && name.regionMatches(dot, suffix, 0, length)) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasUpperCaseOrTrailingDot(String host) {
    if (host.charAt(host.length() - 1) == '.') {
      return true;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return true;
      }
    }
    return false;
  }

  /** An IPv6 literal's 16 bytes, or null; never resolves a name (the text must be hex and colons). */
  private static byte[] ipv6Bytes(String text) {
    if (!text.toLowerCase(Locale.ROOT).matches("[0-9a-f:.]+") || text.indexOf(':') < 0) {
      return null;
    }
    try {
      return InetAddress.getByName(text).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
