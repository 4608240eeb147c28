package io.gatehouse.gateway.filter;

import io.gatehouse.gateway.proxy.Filter;
import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.proxy.Reason;
import io.gatehouse.gateway.proxy.Stage;
import io.gatehouse.routes.Fault;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * Chaos testing (Envoy's fault filter): holds a percentage of requests for a fixed delay, then
 * aborts a percentage with the configured status instead of forwarding. With a {@code header},
 * only requests carrying it are touched. {@code random} yields [0, 1) (a seam for tests).
 */
final class FaultFilter implements Filter {
  private final Vertx vertx;
  private final Fault fault;
  private final DoubleSupplier random;
  private final Counter delays;
  private final Counter aborts;
  private final long delayMillis;

  FaultFilter(Vertx vertx, Fault fault, DoubleSupplier random, Counter delays, Counter aborts) {
    this.vertx = vertx;
    this.fault = fault;
    this.random = random;
    this.delays = delays;
    this.aborts = aborts;
    this.delayMillis = fault.delay().fixed().toMillis();
  }

  @Override public Stage wrap(Stage next) {
    String header = fault.header().isEmpty() ? null : fault.header();
    double delayPercent = fault.delay().percent();
    double abortPercent = fault.abort().percent();
    return ex -> {
      if (header != null && ex.header(header) == null) {
        return next.handle(ex);
      }
      boolean delay = delayPercent > 0 && delayMillis > 0 && random.getAsDouble() * 100 < delayPercent;
      boolean abort = abortPercent > 0 && random.getAsDouble() * 100 < abortPercent;
      if (!delay) {
        return abort ? abort() : next.handle(ex);
      }
      delays.increment();
      return vertx.timer(delayMillis, TimeUnit.MILLISECONDS).compose(v -> {
        if (ex.response().closed()) {
          return Future.failedFuture(new GatewayException(Reason.CLIENT_CLOSED, "client left during an injected delay"));
        }
        return abort ? abort() : next.handle(ex);
      });
    };
  }

  private Future<Void> abort() {
    aborts.increment();
    return Future.failedFuture(new GatewayException(Reason.FAULT_ABORT, "fault injected: abort", fault.abort().status()));
  }
}
