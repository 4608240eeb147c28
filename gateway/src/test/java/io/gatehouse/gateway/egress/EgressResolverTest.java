package io.gatehouse.gateway.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The egress cache: one lookup per name per TTL, capped; failures not kept. Time is a test ticker. */
class EgressResolverTest {
  private final AtomicLong nanos = new AtomicLong();
  private final AtomicInteger lookups = new AtomicInteger();

  private EgressResolver resolver(Duration ttl, boolean fail) {
    return new EgressResolver(name -> {
      lookups.incrementAndGet();
      if (fail) {
        return Future.failedFuture(new java.net.UnknownHostException(name));
      }
      try {
        return Future.succeededFuture(new DnsLookup.Answer(List.of(InetAddress.getByName("192.0.2." + lookups.get())), ttl));
      } catch (java.net.UnknownHostException e) {
        throw new AssertionError(e);
      }
    }, nanos::get);
  }

  private static List<InetAddress> await(Future<List<InetAddress>> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void answersAreKeptForTheirTtlThenLookedUpAgain() {
    EgressResolver r = resolver(Duration.ofSeconds(30), false);
    List<InetAddress> first = await(r.resolve("api.example.com"));
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(29));
    assertEquals(first, await(r.resolve("api.example.com")), "within the TTL: the same answer, no lookup");
    assertEquals(1, lookups.get());
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(2));
    await(r.resolve("api.example.com"));
    assertEquals(2, lookups.get(), "after the TTL: looked up again");
  }

  @Test
  void aZeroTtlIsNotCached() {
    EgressResolver r = resolver(Duration.ZERO, false);
    await(r.resolve("a.test"));
    await(r.resolve("a.test"));
    assertEquals(2, lookups.get());
  }

  @Test
  void longTtlsAreCapped() {
    EgressResolver r = resolver(Duration.ofDays(7), false);
    await(r.resolve("a.test"));
    nanos.addAndGet(EgressResolver.MAX_TTL.toNanos() + 1);
    await(r.resolve("a.test"));
    assertEquals(2, lookups.get());
  }

  @Test
  void aFailedLookupLogsNothing() {
    List<java.util.logging.LogRecord> logged = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.logging.Handler capture = new java.util.logging.Handler() {
      @Override public void publish(java.util.logging.LogRecord r) {
        logged.add(r);
      }

      @Override public void flush() {}

      @Override public void close() {}
    };
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    root.addHandler(capture);
    try {
      EgressResolver r = resolver(Duration.ofSeconds(30), true);
      assertTrue(r.resolve("nx.test").toCompletionStage().toCompletableFuture().isCompletedExceptionally());
    } finally {
      root.removeHandler(capture);
    }
    assertEquals(List.of(), logged.stream().map(l -> l.getLoggerName() + ": " + l.getMessage()).toList());
  }

  @Test
  void failuresAreNotCached() {
    EgressResolver r = resolver(Duration.ofSeconds(30), true);
    assertTrue(r.resolve("nx.test").toCompletionStage().toCompletableFuture().isCompletedExceptionally());
    assertTrue(r.resolve("nx.test").toCompletionStage().toCompletableFuture().isCompletedExceptionally());
    assertEquals(2, lookups.get());
  }
}
