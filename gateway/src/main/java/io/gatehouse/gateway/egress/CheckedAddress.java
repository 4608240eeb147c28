package io.gatehouse.gateway.egress;

import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.proxy.Reason;
import io.gatehouse.routes.egress.AllowList;
import io.gatehouse.routes.egress.Client;
import io.gatehouse.routes.egress.Decision;
import io.gatehouse.routes.egress.Target;
import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.util.List;
import java.util.function.Function;

/**
 * The second step of an egress decision, shared by every egress listener: resolve the name once
 * (an IP literal is its own answer), check every address against the denied ranges, and answer
 * them all, in the resolver's order (IPv4 first): the connection goes to the first that accepts.
 */
final class CheckedAddress {
  private CheckedAddress() {}

  /** An address in a denied range: the denying decision (its rule is the range) and what was refused. */
  static final class Refused extends RuntimeException {
    private final Decision decision;

    Refused(Decision decision, String detail) {
      super(detail, null, false, false);
      this.decision = decision;
    }

    Decision decision() {
      return decision;
    }
  }

  /**
   * The address to connect to for {@code target}, which {@code allowed} let through; fails with
   * {@link Refused}, or with {@link Reason#EGRESS_DNS_FAILURE} when the name does not resolve.
   */
  static Future<List<InetAddress>> of(EgressResolver resolver, AllowList allow, Decision allowed, Target target, int port,
                                Client client) {
    Future<List<InetAddress>> addresses;
    if (target instanceof Target.Address a) {
      addresses = Future.succeededFuture(List.of(a.address()));
    } else if (target instanceof Target.Name n) {
      addresses = resolver.resolve(n.name()).recover(e -> Future.failedFuture(
          new GatewayException(Reason.EGRESS_DNS_FAILURE, n.name() + ": " + e.getMessage())));
    } else {
      return Future.failedFuture(new IllegalArgumentException("target: " + target + " (expected a name or an address)"));
    }
    return addresses.compose(list -> {
      for (InetAddress address : list) {
        Decision checked = allow.checkAddress(allowed, address, port, client);
        if (!checked.allowed()) {
          String name = target instanceof Target.Name n ? n.name() + " -> " : "";
          return Future.failedFuture(new Refused(checked, name + address.getHostAddress() + " is in " + checked.rule()));
        }
      }
      return Future.succeededFuture(list);
    });
  }

  /**
   * Tries {@code connect} on each address in turn until one succeeds (a refused or unreachable
   * address is skipped); fails with the last failure.
   */
  static <T> Future<T> firstAccepting(List<InetAddress> addresses, int port, Function<SocketAddress, Future<T>> connect) {
    return attempt(addresses, 0, port, connect);
  }

  private static <T> Future<T> attempt(List<InetAddress> addresses, int i, int port,
                                       Function<SocketAddress, Future<T>> connect) {
    SocketAddress server = SocketAddress.inetSocketAddress(port, addresses.get(i).getHostAddress());
    return connect.apply(server).recover(e -> i + 1 < addresses.size() ? attempt(addresses, i + 1, port, connect) : Future.failedFuture(e));
  }
}
