package io.gatehouse.routes.egress;

import java.net.InetAddress;
import java.util.List;

/**
 * Who asks for an egress destination: the client's address and the identities of its verified
 * certificate (URI and DNS SANs; empty without mutual TLS), which entries may restrict to.
 */
public record Client(InetAddress address, List<String> identities) {
  public Client {
    identities = List.copyOf(identities);
  }

  /** A client known only by its address. */
  public static Client of(InetAddress address) {
    return new Client(address, List.of());
  }
}
