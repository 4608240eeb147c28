package io.gatehouse.routes;

import java.time.Duration;
import java.util.List;

/**
 * One routing rule as written in config: which requests it takes ({@code hosts} and any of
 * {@code match}) and what it does with them. An empty {@code match} list takes every request for
 * its hosts. {@code timeout} of zero means no timeout. The traffic policies ({@code fault},
 * {@code rateLimit}, {@code cors}, {@code mirror}) are their {@code NONE} values when absent, and a
 * zero {@code maxBodySize} means no limit. {@code tracing} is {@link RouteTracing#NONE} unless the
 * route samples traces at its own ratio. {@code listeners} names the listeners the route serves;
 * empty ({@link #ALL_LISTENERS}, the default) means every listener. {@code compression} is
 * {@link Compression#INHERIT} (the listener's default) unless the route sets its own, on or off; {@code stickySession} is
 * {@link StickySession#NONE} unless the route pins clients to endpoints with a cookie.
 * {@code grpcWeb} (default true): gRPC-web requests sent to an upstream that speaks HTTP2 are
 * translated to gRPC and their responses back; false passes them through as they are.
 */
public record Route(String name, List<String> hosts, List<RequestMatch> match, Action action,
                    Rewrite rewrite, HeaderOps headers, Duration timeout, RetryPolicy retries,
                    Fault fault, RateLimit rateLimit, DataSize maxBodySize, Mirror mirror, Cors cors,
                    RouteTracing tracing, List<String> listeners, Compression compression,
                    StickySession stickySession, boolean grpcWeb) {
  /** The default binding: the route serves on every listener. */
  public static final List<String> ALL_LISTENERS = List.of();

  public Route {
    hosts = List.copyOf(hosts);
    match = List.copyOf(match);
    listeners = List.copyOf(listeners);
  }

  /** A route that translates gRPC-web for its HTTP2 upstreams (the default). */
  public Route(String name, List<String> hosts, List<RequestMatch> match, Action action,
               Rewrite rewrite, HeaderOps headers, Duration timeout, RetryPolicy retries,
               Fault fault, RateLimit rateLimit, DataSize maxBodySize, Mirror mirror, Cors cors,
               RouteTracing tracing, List<String> listeners, Compression compression, StickySession stickySession) {
    this(name, hosts, match, action, rewrite, headers, timeout, retries, fault, rateLimit, maxBodySize, mirror, cors,
        tracing, listeners, compression, stickySession, true);
  }

  /** A route without a sticky session. */
  public Route(String name, List<String> hosts, List<RequestMatch> match, Action action,
               Rewrite rewrite, HeaderOps headers, Duration timeout, RetryPolicy retries,
               Fault fault, RateLimit rateLimit, DataSize maxBodySize, Mirror mirror, Cors cors,
               RouteTracing tracing, List<String> listeners, Compression compression) {
    this(name, hosts, match, action, rewrite, headers, timeout, retries, fault, rateLimit, maxBodySize, mirror, cors,
        tracing, listeners, compression, StickySession.NONE);
  }

  /** A route with its listener's compression and no sticky session. */
  public Route(String name, List<String> hosts, List<RequestMatch> match, Action action,
               Rewrite rewrite, HeaderOps headers, Duration timeout, RetryPolicy retries,
               Fault fault, RateLimit rateLimit, DataSize maxBodySize, Mirror mirror, Cors cors, RouteTracing tracing,
               List<String> listeners) {
    this(name, hosts, match, action, rewrite, headers, timeout, retries, fault, rateLimit, maxBodySize, mirror, cors,
        tracing, listeners, Compression.INHERIT);
  }

  /** A route on every listener. */
  public Route(String name, List<String> hosts, List<RequestMatch> match, Action action,
               Rewrite rewrite, HeaderOps headers, Duration timeout, RetryPolicy retries,
               Fault fault, RateLimit rateLimit, DataSize maxBodySize, Mirror mirror, Cors cors, RouteTracing tracing) {
    this(name, hosts, match, action, rewrite, headers, timeout, retries, fault, rateLimit, maxBodySize, mirror, cors,
        tracing, ALL_LISTENERS);
  }

  /** Whether this route serves on the listener named {@code listener}. */
  public boolean servesOn(String listener) {
    return listeners.isEmpty() || listeners.contains(listener);
  }

  /** This route bound to {@code names} (empty: every listener). */
  public Route onListeners(List<String> names) {
    return new Route(name, hosts, match, action, rewrite, headers, timeout, retries, fault, rateLimit, maxBodySize,
        mirror, cors, tracing, names, compression, stickySession, grpcWeb);
  }

  /** This route with {@code compression} (what {@link Compression#or} resolved on a listener). */
  public Route withCompression(Compression compression) {
    return new Route(name, hosts, match, action, rewrite, headers, timeout, retries, fault, rateLimit, maxBodySize,
        mirror, cors, tracing, listeners, compression, stickySession, grpcWeb);
  }

  /** This route with {@code sticky} as its sticky session. */
  public Route withStickySession(StickySession sticky) {
    return new Route(name, hosts, match, action, rewrite, headers, timeout, retries, fault, rateLimit, maxBodySize,
        mirror, cors, tracing, listeners, compression, sticky, grpcWeb);
  }

  /** A route on every listener that traces as {@code telemetry.tracing} says. */
  public Route(String name, List<String> hosts, List<RequestMatch> match, Action action,
               Rewrite rewrite, HeaderOps headers, Duration timeout, RetryPolicy retries,
               Fault fault, RateLimit rateLimit, DataSize maxBodySize, Mirror mirror, Cors cors) {
    this(name, hosts, match, action, rewrite, headers, timeout, retries, fault, rateLimit, maxBodySize, mirror, cors,
        RouteTracing.NONE);
  }

  /** A route without traffic policies. */
  public Route(String name, List<String> hosts, List<RequestMatch> match, Action action,
               Rewrite rewrite, HeaderOps headers, Duration timeout, RetryPolicy retries) {
    this(name, hosts, match, action, rewrite, headers, timeout, retries,
        Fault.NONE, RateLimit.NONE, new DataSize(0), Mirror.NONE, Cors.NONE);
  }
}
