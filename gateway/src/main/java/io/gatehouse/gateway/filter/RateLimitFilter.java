package io.gatehouse.gateway.filter;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.Filter;
import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.proxy.Reason;
import io.gatehouse.gateway.proxy.Stage;
import io.gatehouse.routes.RateLimit;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A route's rate limit: takes a token for the request's key (client address, a header's value,
 * or the route) and answers 429 with {@code Retry-After} (whole seconds, at least 1) when there is
 * none. The client address is the real one behind a PROXY protocol load balancer.
 */
final class RateLimitFilter implements Filter {
  private final Limiter limiter;
  private final Function<Exchange, String> key;
  private final Counter rejected;

  RateLimitFilter(Limiter limiter, RateLimit.Key key, Counter rejected) {
    this.limiter = limiter;
    this.key = keyOf(key);
    this.rejected = rejected;
  }

  private static Function<Exchange, String> keyOf(RateLimit.Key key) {
    if (key instanceof RateLimit.Key.Header header) {
      String name = header.name();
      return ex -> {
        String value = ex.request().getHeader(name);
        return value == null ? "" : value;
      };
    }
    if (key instanceof RateLimit.Key.Client) {
      return ex -> {
        SocketAddress client = ex.request().remoteAddress();
        return client == null ? "" : client.hostAddress();
      };
    }
    return ex -> "";
  }

  @Override public Stage wrap(Stage next) {
    return ex -> limiter.acquire(key.apply(ex)).compose(waitNanos -> {
      if (waitNanos == 0) {
        return next.handle(ex);
      }
      rejected.increment();
      String seconds = Long.toString(Math.max(1, (waitNanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1)));
      ex.beforeResponse(headers -> headers.set("retry-after", seconds));
      return Future.failedFuture(new GatewayException(Reason.RATE_LIMITED, "rate limited; retry in " + seconds + "s"));
    });
  }
}
