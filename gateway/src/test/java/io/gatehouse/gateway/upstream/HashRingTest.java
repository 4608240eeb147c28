package io.gatehouse.gateway.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The ring alone: balance, and how many keys move when one of N endpoints comes or goes. */
class HashRingTest {
  private static final int KEYS = 20_000;

  private static List<String> endpoints(int n) {
    return IntStream.range(0, n).mapToObj(i -> "10.0.0." + (i + 1) + ":8080").toList();
  }

  /** The label each key goes to on a ring over {@code labels}. */
  private static List<String> owners(List<String> labels) {
    HashRing ring = HashRing.of(labels);
    List<String> out = new ArrayList<>(KEYS);
    for (int k = 0; k < KEYS; k++) {
      out.add(labels.get(ring.pick(HashRing.hash("user-" + k), i -> true)));
    }
    return out;
  }

  @Test
  void removingOneOfTenEndpointsMovesOnlyItsOwnKeys() {
    List<String> ten = endpoints(10);
    List<String> before = owners(ten);
    List<String> nine = new ArrayList<>(ten);
    String removed = nine.remove(3);
    List<String> after = owners(nine);
    int moved = 0;
    for (int k = 0; k < KEYS; k++) {
      if (!before.get(k).equals(after.get(k))) {
        moved++;
        assertEquals(removed, before.get(k), "a key moved that was not on the removed endpoint");
      }
    }
    double share = moved / (double) KEYS;
    assertTrue(share > 0.05 && share < 0.15, "moved " + share + " of keys (expected about 1/10)");
  }

  @Test
  void addingAnEleventhEndpointMovesKeysOnlyToIt() {
    List<String> ten = endpoints(10);
    List<String> eleven = endpoints(11);
    List<String> before = owners(ten);
    List<String> after = owners(eleven);
    int moved = 0;
    for (int k = 0; k < KEYS; k++) {
      if (!before.get(k).equals(after.get(k))) {
        moved++;
        assertEquals(eleven.get(10), after.get(k), "a key moved between old endpoints");
      }
    }
    double share = moved / (double) KEYS;
    assertTrue(share > 0.045 && share < 0.14, "moved " + share + " of keys (expected about 1/11)");
  }

  @Test
  void keysSpreadEvenlyOverEndpoints() {
    List<String> labels = endpoints(8);
    List<String> owners = owners(labels);
    for (String label : labels) {
      long count = owners.stream().filter(label::equals).count();
      double ratio = count / (KEYS / 8.0);
      assertTrue(ratio > 0.7 && ratio < 1.3, label + " got " + ratio + " of its fair share");
    }
  }

  @Test
  void walksPastEndpointsThatMayNotTakeTheKeyAndKeepsTheRestInPlace() {
    List<String> labels = endpoints(5);
    HashRing ring = HashRing.of(labels);
    for (int k = 0; k < 2_000; k++) {
      long hash = HashRing.hash("session-" + k);
      int owner = ring.pick(hash, i -> true);
      assertEquals(owner, ring.pick(hash, i -> true), "the same key must land on the same endpoint");
      int skipTwo = ring.pick(hash, i -> i != 2);
      if (owner != 2) {
        assertEquals(owner, skipTwo, "a key not on the skipped endpoint must stay");
      } else {
        assertTrue(skipTwo >= 0 && skipTwo != 2);
      }
    }
    assertEquals(-1, ring.pick(HashRing.hash("x"), i -> false));
    assertEquals(-1, HashRing.of(List.of()).pick(1, i -> true));
  }

  @Test
  void hashSpreadsSimilarKeysApart() {
    assertTrue(HashRing.hash("user-1") != HashRing.hash("user-2"));
    assertEquals(HashRing.hash("same"), HashRing.hash("same"));
  }
}
