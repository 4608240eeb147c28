package io.gatehouse.routes.egress;

import io.gatehouse.routes.egress.AllowList.Entry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code cidr} entries of an allow-list, indexed: per address family and per prefix length
 * that occurs, the networks sorted, each with its entries in declared order. A lookup masks the
 * address once per prefix length present and binary-searches that length's networks, so it costs
 * (prefix lengths) × log(entries) instead of a scan. Of the entries found it keeps the one declared
 * first, so it answers exactly what a scan in declared order would.
 */
final class CidrEntries {
  /** A network as a left-aligned 128-bit value: IPv4 in the top 32 bits of {@code high}. */
  private record Bits(long high, long low) {
    static final Comparator<Bits> ORDER = Comparator.comparingLong(Bits::high).thenComparingLong(Bits::low);

    static Bits of(byte[] address) {
      return new Bits(highBits(address), lowBits(address));
    }

    Bits masked(int prefix) {
      return new Bits(high & highMask(prefix), low & lowMask(prefix));
    }
  }

  /** The networks of one prefix length, sorted by (high, low), and the entries on each in declared order. */
  private record Networks(int prefix, long[] high, long[] low, Entry[][] entries) {
    /** The entries on the network of {@code prefix} that holds the address, or null. */
    Entry[] find(long addressHigh, long addressLow) {
      long h = addressHigh & highMask(prefix);
      long l = addressLow & lowMask(prefix);
      int from = 0;
      int to = high.length - 1;
      while (from <= to) {
        int mid = (from + to) >>> 1;
        int c = high[mid] != h ? Long.compare(high[mid], h) : Long.compare(low[mid], l);
        if (c < 0) {
          from = mid + 1;
        } else if (c > 0) {
          to = mid - 1;
        } else {
          return entries[mid];
        }
      }
      return null;
    }
  }

  private static final Networks[] NONE = new Networks[0];

  private final Networks[] v4;
  private final Networks[] v6;

  private CidrEntries(Networks[] v4, Networks[] v6) {
    this.v4 = v4;
    this.v6 = v6;
  }

  /** Indexes {@code entries}, given in declared order, by their {@link Entry#destination()}. */
  static CidrEntries of(List<Entry> entries) {
    Map<Integer, TreeMap<Bits, List<Entry>>> v4 = new HashMap<>();
    Map<Integer, TreeMap<Bits, List<Entry>>> v6 = new HashMap<>();
    for (Entry entry : entries) {
      Cidr cidr = entry.destination();
      (cidr.network().length == 4 ? v4 : v6)
          .computeIfAbsent(cidr.prefix(), p -> new TreeMap<>(Bits.ORDER))
          .computeIfAbsent(Bits.of(cidr.network()).masked(cidr.prefix()), k -> new ArrayList<>())
          .add(entry);
    }
    return new CidrEntries(freeze(v4), freeze(v6));
  }

  private static Networks[] freeze(Map<Integer, TreeMap<Bits, List<Entry>>> byPrefix) {
    List<Networks> out = new ArrayList<>();
    byPrefix.forEach((prefix, networks) -> {
      long[] high = new long[networks.size()];
      long[] low = new long[networks.size()];
      Entry[][] groups = new Entry[networks.size()][];
      int i = 0;
      for (Map.Entry<Bits, List<Entry>> network : networks.entrySet()) {
        high[i] = network.getKey().high();
        low[i] = network.getKey().low();
        groups[i++] = network.getValue().toArray(new Entry[0]);
      }
      out.add(new Networks(prefix, high, low, groups));
    });
    return out.toArray(NONE);
  }

  /**
   * The first declared entry that contains {@code address} (from {@code InetAddress.getAddress()})
   * and takes port and client, or null. Allocates nothing.
   */
  Entry first(byte[] address, int port, Client client) {
    long high = highBits(address);
    long low = lowBits(address);
    Entry best = null;
    for (Networks networks : family(address)) {
      Entry[] group = networks.find(high, low);
      if (group == null) {
        continue;
      }
      for (Entry e : group) {
        if (best != null && e.order() > best.order()) {
          break;
        }
        if (e.admits(port) && e.fromSource(client)) {
          best = e;
          break;
        }
      }
    }
    return best;
  }

  /** Every entry that contains {@code address}, in declared order. */
  List<Entry> containing(byte[] address) {
    long high = highBits(address);
    long low = lowBits(address);
    List<Entry> found = new ArrayList<>();
    for (Networks networks : family(address)) {
      Entry[] group = networks.find(high, low);
      if (group != null) {
        found.addAll(List.of(group));
      }
    }
    found.sort(Comparator.comparingInt(Entry::order));
    return found;
  }

  private Networks[] family(byte[] address) {
    return address.length == 4 ? v4 : v6;
  }

  private static long highBits(byte[] address) {
    long bits = 0;
    for (int i = 0; i < 8; i++) {
      bits = bits << 8 | (i < address.length ? address[i] & 0xff : 0);
    }
    return bits;
  }

  private static long lowBits(byte[] address) {
    long bits = 0;
    for (int i = 8; i < 16; i++) {
      bits = bits << 8 | (i < address.length ? address[i] & 0xff : 0);
    }
    return bits;
  }

  /** The bits of {@code high} that a prefix of {@code prefix} bits keeps. */
  private static long highMask(int prefix) {
    return prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
  }

  /** The bits of {@code low} that a prefix of {@code prefix} bits keeps. */
  private static long lowMask(int prefix) {
    return prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
  }
}
