package io.gatehouse.gateway.tcp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;

/**
 * Where a TLS passthrough connection goes, chosen from its ClientHello's server name: the one
 * part that differs between a passthrough listener (routes by SNI, {@link SniRoutes}) and an
 * egress passthrough listener (the allow-list, {@code gateway.egress.EgressSni}). Everything
 * else, from the peek to the tunnel, is {@link PassthroughVerticle}'s. Runs on one event loop.
 */
public interface SniRouter {
  /** Called from the listener's start, on its event loop, before any connection. */
  default void start(Vertx vertx) {}

  /**
   * Chooses the destination of a connection whose ClientHello names {@code serverName}, filling
   * in {@code line}'s host, route and upstream as it goes; fails with a {@link Refused} to close it.
   */
  Future<Destination> route(String serverName, NetSocket client, TunnelLine line);

  /** The outcome that counts a connection over the listener's {@code maxActive} tunnels. */
  default String limitOutcome() {
    return "tunnel_limit";
  }

  /** Told each connection's outcome ({@code routed} or why it was refused) with the rule or route that decided it. */
  default void counted(String outcome, String rule) {}

  /** Releases what {@link #start} made. */
  default Future<Void> close() {
    return Future.succeededFuture();
  }

  /** A chosen destination: how to connect to it, and what to release when its tunnel ends. */
  interface Destination {
    /** Connects (setting {@code line}'s endpoint); a failure refuses the connection as {@code upstream_connect_failure}. */
    Future<NetSocket> connect(TunnelLine line);

    /** The connection is over (refused after choice, or its tunnel ended). */
    default void finished() {}
  }

  /** Why a connection is closed unrouted: its outcome (the metric tag), a detail for the log, the deciding rule. */
  final class Refused extends RuntimeException {
    private final String outcome;
    private final String rule;

    public Refused(String outcome, String detail, String rule) {
      super(detail, null, false, false);
      this.outcome = outcome;
      this.rule = rule;
    }

    public String outcome() {
      return outcome;
    }

    public String rule() {
      return rule;
    }
  }
}
