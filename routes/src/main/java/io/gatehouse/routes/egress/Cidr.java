package io.gatehouse.routes.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 network. An IPv4 network never contains an IPv6 address and vice versa;
 * IPv4-mapped IPv6 addresses arrive here already as IPv4 (the JDK converts them).
 */
public record Cidr(byte[] network, int prefix, String text) {
  /** Parses {@code 10.0.0.0/8} or {@code fc00::/7}, literals only (never resolves); throws if malformed. */
  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    if (slash < 0 || !text.substring(0, slash).matches("[0-9a-fA-F:.]+")) {
      throw new IllegalArgumentException("not a CIDR: " + text);
    }
    try {
      byte[] address = InetAddress.getByName(text.substring(0, slash)).getAddress();
      int prefix = Integer.parseInt(text.substring(slash + 1));
      if (prefix < 0 || prefix > address.length * 8) {
        throw new IllegalArgumentException("prefix length out of range: " + text);
      }
      return new Cidr(address, prefix, text);
    } catch (UnknownHostException | NumberFormatException e) {
      throw new IllegalArgumentException("not a CIDR: " + text, e);
    }
  }

  public boolean contains(InetAddress address) {
    return contains(address.getAddress());
  }

  /** Whether the address of these bytes ({@code InetAddress.getAddress()}: 4 or 16) is in this network. */
  public boolean contains(byte[] bytes) {
    if (bytes.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (bytes[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (bytes[full] & mask) == (network[full] & mask);
  }

  @Override public boolean equals(Object o) {
    return o instanceof Cidr c && c.text.equals(text);
  }

  @Override public int hashCode() {
    return text.hashCode();
  }

  @Override public String toString() {
    return text;
  }
}
