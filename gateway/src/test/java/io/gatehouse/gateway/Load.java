package io.gatehouse.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/** Drives requests from a few client threads for a while and counts the statuses that came back. */
final class Load {
  /** What came back: counts by status and the time from the first request to the last answer. */
  record Result(int[] byStatus, double seconds) {
    int count(int status) {
      return byStatus[status];
    }

    int total() {
      int sum = 0;
      for (int n : byStatus) {
        sum += n;
      }
      return sum;
    }
  }

  private Load() {}

  /** Calls {@code request} (returning a status) from {@code threads} threads for {@code seconds}. */
  static Result run(int threads, double seconds, IntSupplier request) {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    try {
      List<Future<int[]>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        parts.add(pool.submit(() -> {
          int[] counts = new int[600];
          while (System.nanoTime() < deadline) {
            counts[request.getAsInt()]++;
          }
          return counts;
        }));
      }
      int[] all = new int[600];
      for (Future<int[]> part : parts) {
        int[] counts = part.get(60, TimeUnit.SECONDS);
        for (int i = 0; i < all.length; i++) {
          all[i] += counts[i];
        }
      }
      return new Result(all, (System.nanoTime() - start) / 1e9);
    } catch (Exception e) {
      throw new AssertionError("load failed: " + e, e);
    } finally {
      pool.shutdownNow();
    }
  }
}
