package io.gatehouse.routes.egress;

import java.util.List;

/**
 * Addresses egress never reaches unless a CIDR entry allows them: this host, private and
 * shared networks, link-local (cloud metadata at 169.254.169.254), multicast, reserved, and the
 * IPv6 forms that embed an IPv4 address (compatible, NAT64, 6to4). IPv4-mapped IPv6 is read as IPv4.
 */
final class DeniedRanges {
  static final List<Cidr> DEFAULT = List.of(
      "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
      "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4",
      "240.0.0.0/4",
      "::/96", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8")
      .stream().map(Cidr::parse).toList();

  private DeniedRanges() {}

  /** The denied range that holds the address of these bytes ({@code InetAddress.getAddress()}), or null. */
  static Cidr of(byte[] address) {
    for (Cidr range : DEFAULT) {
      if (range.contains(address)) {
        return range;
      }
    }
    return null;
  }
}
