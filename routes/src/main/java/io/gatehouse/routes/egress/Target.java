package io.gatehouse.routes.egress;

import java.net.InetAddress;

/**
 * An egress destination host after normalisation ({@link #parse}): a DNS name in canonical form, an
 * IP address, or a host the gateway refuses to interpret.
 */
public sealed interface Target {
  /** A DNS name: lowercase ASCII, IDN as punycode, no trailing dot. */
  record Name(String name) implements Target {}

  /** An IP literal, in whatever spelling it came (decimal, octal, hex, IPv4-mapped IPv6). */
  record Address(InetAddress address) implements Target {}

  /** Not a host: {@code why} says what was wrong. */
  record Invalid(String why) implements Target {}

  /**
   * Normalises a host as found in a request ({@code [v6]} brackets allowed, no port): percent-decoding,
   * case, one trailing dot, IDN to punycode, and every inet_aton spelling of an IPv4 address
   * ({@code 2130706433}, {@code 0177.0.0.1}, {@code 0x7f.1}) and IPv4-mapped IPv6 read as the address
   * it denotes. A name whose last label is numeric but is no valid address is invalid (as in the
   * WHATWG URL standard), so no resolver can read it differently from this check.
   */
  static Target parse(String raw) {
    return HostNames.parse(raw);
  }
}
