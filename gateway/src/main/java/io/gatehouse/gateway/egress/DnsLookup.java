package io.gatehouse.gateway.egress;

import io.vertx.core.Future;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * Where egress names are resolved: one lookup of a name to its addresses and for how long the
 * answer may be kept. The seam between {@link EgressResolver}'s cache and the network.
 */
@FunctionalInterface
public interface DnsLookup {
  /** The addresses of {@code name} (lowercase ASCII, never an IP literal); fails if it has none. */
  Future<Answer> lookup(String name);

  /** A name's addresses and the time they may be cached (the smallest TTL of the records). */
  record Answer(List<InetAddress> addresses, Duration ttl) {
    public Answer {
      addresses = List.copyOf(addresses);
    }
  }
}
