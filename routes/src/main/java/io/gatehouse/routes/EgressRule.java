package io.gatehouse.routes;

import java.util.List;

/**
 * One allow-list entry: a destination (host pattern or CIDR), the ports it may be reached on, the
 * clients that may use it (networks in {@code sources}, certificate identities in
 * {@code identities}: URI or DNS SANs of a verified client certificate; each empty: any), and
 * whether the gateway originates TLS to it (the client speaks plain HTTP; {@code caCert} empty:
 * the JVM's trust store).
 */
public record EgressRule(String name, Destination destination, List<Integer> ports, List<String> sources,
                         List<String> identities, boolean originateTls, String caCert) {
  public EgressRule {
    ports = List.copyOf(ports);
    sources = List.copyOf(sources);
    identities = List.copyOf(identities);
  }

  /** An entry open to every client, without TLS origination. */
  public EgressRule(String name, Destination destination, List<Integer> ports) {
    this(name, destination, ports, List.of(), List.of(), false, "");
  }

  /** Where traffic may go. */
  public sealed interface Destination {
    /** An exact host name or a {@code *.domain} wildcard, lowercase ASCII (IDN as punycode). */
    record Host(String pattern) implements Destination {}
    /** An IPv4 or IPv6 network in CIDR notation. */
    record Cidr(String cidr) implements Destination {}
  }
}
