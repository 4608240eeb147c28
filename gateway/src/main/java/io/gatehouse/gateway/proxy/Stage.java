package io.gatehouse.gateway.proxy;

import io.vertx.core.Future;

/**
 * What a matched route does with an exchange. The future completes when the response is done, or
 * fails with a {@link GatewayException} before any response was written (then the caller writes
 * the error). Stages never throw.
 */
@FunctionalInterface
public interface Stage {
  Future<Void> handle(Exchange ex);
}
