package io.gatehouse.gateway.filter;

import io.vertx.core.Future;

/** Decides whether one more request for a key may go now: 0, or the nanoseconds to wait. */
interface Limiter {
  Future<Long> acquire(String key);
}
