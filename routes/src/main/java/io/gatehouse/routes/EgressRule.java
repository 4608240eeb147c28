package io.gatehouse.routes;

import java.util.List;

/** One allow-list entry: a destination (host pattern or CIDR) and the ports it may be reached on. */
public record EgressRule(String name, Destination destination, List<Integer> ports) {
  public EgressRule {
    ports = List.copyOf(ports);
  }

  /** Where traffic may go. */
  public sealed interface Destination {
    /** An exact host name or a {@code *.domain} wildcard, lowercase. */
    record Host(String pattern) implements Destination {}
    /** An IPv4 or IPv6 network in CIDR notation. */
    record Cidr(String cidr) implements Destination {}
  }
}
