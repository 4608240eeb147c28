package io.gatehouse.routes;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * One routing rule as written in config: which requests it takes ({@code hosts} and any of
 * {@code match}) and what it does with them. An empty {@code match} list takes every request for
 * its hosts. {@code timeout} of zero ({@link #NO_TIMEOUT}) means no timeout. The traffic policies ({@code fault},
 * {@code rateLimit}, {@code cors}, {@code mirror}) are their {@code NONE} values when absent, and a
 * zero {@code maxBodySize} means no limit. {@code tracing} is {@link RouteTracing#NONE} unless the
 * route samples traces at its own ratio. {@code listeners} names the listeners the route serves;
 * empty ({@link #ALL_LISTENERS}, the default) means every listener. {@code compression} is
 * {@link Compression#INHERIT} (the listener's default) unless the route sets its own, on or off; {@code stickySession} is
 * {@link StickySession#NONE} unless the route pins clients to endpoints with a cookie.
 * {@code grpcWeb} (default true): gRPC-web requests sent to an upstream that speaks HTTP2 are
 * translated to gRPC and their responses back; false passes them through as they are. Build one
 * with {@link #builder}, which holds these defaults.
 */
public record Route(String name, List<String> hosts, List<RequestMatch> match, Action action,
                    Rewrite rewrite, HeaderOps headers, Duration timeout, RetryPolicy retries,
                    Fault fault, RateLimit rateLimit, DataSize maxBodySize, Mirror mirror, Cors cors,
                    RouteTracing tracing, List<String> listeners, Compression compression,
                    StickySession stickySession, boolean grpcWeb) {
  /** The default binding: the route serves on every listener. */
  public static final List<String> ALL_LISTENERS = List.of();
  /** The hosts of a route that names none: every host. */
  public static final List<String> ALL_HOSTS = List.of("*");
  /** The match of a route that says none: every request for its hosts. */
  public static final List<RequestMatch> ALL_REQUESTS = List.of(RequestMatch.ANY);
  /** The timeout of a native route that sets none (Envoy's route timeout default is 15 s too). */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);
  /** A {@code timeout} that never fires: no route timer is armed. */
  public static final Duration NO_TIMEOUT = Duration.ZERO;
  /**
   * The longest {@code timeout} native config takes, 876000h (100 years): the gateway keeps a
   * route's deadline in nanoseconds of {@link System#nanoTime}, which overflow past 292 years.
   */
  public static final Duration MAX_TIMEOUT = Duration.ofHours(876_000);

  public Route {
    hosts = List.copyOf(hosts);
    match = List.copyOf(match);
    listeners = List.copyOf(listeners);
  }

  /**
   * A route named {@code name} that does {@code action}, with what native config means by every
   * key it leaves out: every host and request, {@link #DEFAULT_TIMEOUT}, {@link RetryPolicy#DEFAULT},
   * no traffic policies, no body limit, every listener, its listener's compression, gRPC-web translated.
   */
  public static Builder builder(String name, Action action) {
    return new Builder(name, action);
  }

  /** A builder holding every component of this route, to change a few. */
  public Builder toBuilder() {
    return new Builder(name, action).hosts(hosts).match(match).rewrite(rewrite).headers(headers).timeout(timeout)
        .retries(retries).fault(fault).rateLimit(rateLimit).maxBodySize(maxBodySize).mirror(mirror).cors(cors)
        .tracing(tracing).listeners(listeners).compression(compression).stickySession(stickySession).grpcWeb(grpcWeb);
  }

  /** Whether this route serves on the listener named {@code listener}. */
  public boolean servesOn(String listener) {
    return listeners.isEmpty() || listeners.contains(listener);
  }

  /** This route bound to {@code names} (empty: every listener). */
  public Route onListeners(List<String> names) {
    return toBuilder().listeners(names).build();
  }

  /** This route with {@code compression} (what {@link Compression#or} resolved on a listener). */
  public Route withCompression(Compression compression) {
    return toBuilder().compression(compression).build();
  }

  /**
   * Builds a {@link Route} from its name and action; every other component starts at its default
   * (see {@link Route#builder}). Setters take the component's name and reject null.
   */
  public static final class Builder {
    private final String name;
    private Action action;
    private List<String> hosts = ALL_HOSTS;
    private List<RequestMatch> match = ALL_REQUESTS;
    private Rewrite rewrite = Rewrite.NONE;
    private HeaderOps headers = HeaderOps.NONE;
    private Duration timeout = DEFAULT_TIMEOUT;
    private RetryPolicy retries = RetryPolicy.DEFAULT;
    private Fault fault = Fault.NONE;
    private RateLimit rateLimit = RateLimit.NONE;
    private DataSize maxBodySize = new DataSize(0);
    private Mirror mirror = Mirror.NONE;
    private Cors cors = Cors.NONE;
    private RouteTracing tracing = RouteTracing.NONE;
    private List<String> listeners = ALL_LISTENERS;
    private Compression compression = Compression.INHERIT;
    private StickySession stickySession = StickySession.NONE;
    private boolean grpcWeb = true;

    private Builder(String name, Action action) {
      this.name = requireNonNull(name, "name");
      this.action = requireNonNull(action, "action");
    }

    /** Exactly one per route: forward, redirect or direct response. */
    public Builder action(Action action) {
      this.action = requireNonNull(action, "action");
      return this;
    }

    /** Exact names, {@code *.domain} wildcards or {@code *}. */
    public Builder hosts(List<String> hosts) {
      this.hosts = requireNonNull(hosts, "hosts");
      return this;
    }

    /** Any entry matches (OR). */
    public Builder match(List<RequestMatch> match) {
      this.match = requireNonNull(match, "match");
      return this;
    }

    public Builder rewrite(Rewrite rewrite) {
      this.rewrite = requireNonNull(rewrite, "rewrite");
      return this;
    }

    public Builder headers(HeaderOps headers) {
      this.headers = requireNonNull(headers, "headers");
      return this;
    }

    /** {@link #NO_TIMEOUT} (zero): no route timeout. */
    public Builder timeout(Duration timeout) {
      this.timeout = requireNonNull(timeout, "timeout");
      return this;
    }

    public Builder retries(RetryPolicy retries) {
      this.retries = requireNonNull(retries, "retries");
      return this;
    }

    public Builder fault(Fault fault) {
      this.fault = requireNonNull(fault, "fault");
      return this;
    }

    public Builder rateLimit(RateLimit rateLimit) {
      this.rateLimit = requireNonNull(rateLimit, "rateLimit");
      return this;
    }

    /** Zero: no limit. */
    public Builder maxBodySize(DataSize maxBodySize) {
      this.maxBodySize = requireNonNull(maxBodySize, "maxBodySize");
      return this;
    }

    public Builder mirror(Mirror mirror) {
      this.mirror = requireNonNull(mirror, "mirror");
      return this;
    }

    public Builder cors(Cors cors) {
      this.cors = requireNonNull(cors, "cors");
      return this;
    }

    public Builder tracing(RouteTracing tracing) {
      this.tracing = requireNonNull(tracing, "tracing");
      return this;
    }

    /** Listener names; empty ({@link #ALL_LISTENERS}): every listener. */
    public Builder listeners(List<String> listeners) {
      this.listeners = requireNonNull(listeners, "listeners");
      return this;
    }

    public Builder compression(Compression compression) {
      this.compression = requireNonNull(compression, "compression");
      return this;
    }

    public Builder stickySession(StickySession stickySession) {
      this.stickySession = requireNonNull(stickySession, "stickySession");
      return this;
    }

    public Builder grpcWeb(boolean grpcWeb) {
      this.grpcWeb = grpcWeb;
      return this;
    }

    public Route build() {
      return new Route(name, hosts, match, action, rewrite, headers, timeout, retries, fault, rateLimit, maxBodySize,
          mirror, cors, tracing, listeners, compression, stickySession, grpcWeb);
    }
  }
}
