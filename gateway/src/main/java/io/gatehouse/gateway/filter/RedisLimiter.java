package io.gatehouse.gateway.filter;

import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.proxy.Reason;
import io.gatehouse.routes.RateLimit;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * A limit shared by every replica: the same GCRA as {@link TokenBucket}, run atomically in Redis by
 * one Lua script on Redis's own clock (replicas' clocks never disagree). When Redis fails or is
 * slower than the configured timeout, the request is let through or refused (503) as configured,
 * counted, and logged at most every {@link #WARN_EVERY_NANOS}.
 */
final class RedisLimiter implements Limiter {
  private static final Logger LOG = Logger.getLogger(RedisLimiter.class.getName());
  private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** KEYS[1] the bucket; ARGV interval and tolerance in microseconds. Answers 0, or microseconds to wait. */
  static final String SCRIPT = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
      local interval = tonumber(ARGV[1])
      local tolerance = tonumber(ARGV[2])
      local tat = tonumber(redis.call('GET', KEYS[1]))
      if tat == nil or tat < now then tat = now end
      local nxt = tat + interval
      local ahead = nxt - now
      if ahead > tolerance then return ahead - tolerance end
      redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.ceil(ahead / 1000) + 1)
      return 0
      """;

  private final Redis redis;
  private final String prefix;
  private final long intervalMicros;
  private final long toleranceMicros;
  private final RateLimit.Global global;
  private final Counter errors;
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

  RedisLimiter(Redis redis, String route, RateLimit limit, Counter errors) {
    this.redis = redis;
    this.prefix = "gatehouse:ratelimit:" + route + ":";
    this.intervalMicros = Math.max(1, (long) (1e6 / limit.requestsPerSecond()));
    this.toleranceMicros = intervalMicros * limit.burst();
    this.global = limit.global();
    this.errors = errors;
  }

  @Override public Future<Long> acquire(String key) {
    Request eval = Request.cmd(Command.EVAL).arg(SCRIPT).arg(1).arg(prefix + key).arg(intervalMicros).arg(toleranceMicros);
    return redis.send(eval)
        .timeout(global.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .map(r -> TimeUnit.MICROSECONDS.toNanos(r.toLong()))
        .recover(this::failed);
  }

  private Future<Long> failed(Throwable cause) {
    errors.increment();
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
      LOG.warning("global rate limit " + prefix + "*: Redis did not answer (" + cause.getMessage() + "); failing "
          + (global.failOpen() ? "open (requests go through)" : "closed (requests get 503)"));
    }
    return global.failOpen() ? Future.succeededFuture(0L)
        : Future.failedFuture(new GatewayException(Reason.RATE_LIMIT_SERVICE_ERROR, "redis: " + cause.getMessage()));
  }
}
