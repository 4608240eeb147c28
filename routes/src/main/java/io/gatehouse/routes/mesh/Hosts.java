package io.gatehouse.routes.mesh;

/** Host pattern overlap, as Istio binds VirtualService hosts to Gateway server hosts. */
final class Hosts {
  private Hosts() {}

  /** Whether some request host matches both patterns ({@code *}, {@code *.suffix} or exact, lowercase). */
  static boolean overlap(String a, String b) {
    if (a.equals("*") || b.equals("*") || a.equals(b)) {
      return true;
    }
    if (a.startsWith("*.") && b.startsWith("*.")) {
      return a.endsWith(b.substring(1)) || b.endsWith(a.substring(1));
    }
    if (a.startsWith("*.")) {
      return b.endsWith(a.substring(1));
    }
    return b.startsWith("*.") && a.endsWith(b.substring(1));
  }
}
