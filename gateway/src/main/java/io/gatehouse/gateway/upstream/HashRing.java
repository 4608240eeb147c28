package io.gatehouse.gateway.upstream;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * A consistent-hash ring (Envoy's ring hash, ketama-style): each endpoint owns
 * {@link #POINTS_PER_ENDPOINT} points placed by hashing its label; a key goes to the owner of the
 * first point at or after the key's hash, walking on past endpoints that may not take it. The
 * points of an endpoint do not depend on the others, so adding or removing one of N endpoints
 * moves only the keys it gains or loses (about 1/N). Immutable; shared by event loops.
 */
final class HashRing {
  /**
   * Fixed rather than scaled to a minimum ring size as Envoy does, so that the other endpoints'
   * points stay put when one comes or goes. 160 points (ketama's number) keep each endpoint's
   * share within about ±10 % of fair.
   */
  static final int POINTS_PER_ENDPOINT = 160;

  private final long[] hashes;
  private final int[] owners;

  private HashRing(long[] hashes, int[] owners) {
    this.hashes = hashes;
    this.owners = owners;
  }

  /** A ring over endpoints known by their labels ({@code host:port}); indexes follow the list. */
  static HashRing of(List<String> labels) {
    int n = labels.size() * POINTS_PER_ENDPOINT;
    long[][] points = new long[n][];
    int p = 0;
    for (int owner = 0; owner < labels.size(); owner++) {
      for (int i = 0; i < POINTS_PER_ENDPOINT; i++) {
        points[p++] = new long[] {hash(labels.get(owner) + "_" + i), owner};
      }
    }
    Arrays.sort(points, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    long[] hashes = new long[n];
    int[] owners = new int[n];
    for (int i = 0; i < n; i++) {
      hashes[i] = points[i][0];
      owners[i] = (int) points[i][1];
    }
    return new HashRing(hashes, owners);
  }

  /** The owner for {@code keyHash}: the first one clockwise that {@code usable} accepts, or -1. */
  int pick(long keyHash, IntPredicate usable) {
    int n = hashes.length;
    if (n == 0) {
      return -1;
    }
    int start = Arrays.binarySearch(hashes, keyHash);
    if (start < 0) {
      start = -start - 1;
    }
    int previous = -1;
    for (int step = 0; step < n; step++) {
      int owner = owners[(start + step) % n];
      if (owner != previous && usable.test(owner)) {
        return owner;
      }
      previous = owner;
    }
    return -1;
  }

  /**
   * A 64-bit hash of {@code text}: FNV-1a over its UTF-16 units, then MurmurHash3's fmix64 so that
   * keys that differ in one character land far apart on the ring. (The JDK has no 64-bit
   * non-cryptographic string hash; {@code String.hashCode} is 32 bits and clusters.)
   */
  static long hash(CharSequence text) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < text.length(); i++) {
      h ^= text.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
