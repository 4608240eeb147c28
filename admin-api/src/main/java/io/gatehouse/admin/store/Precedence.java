package io.gatehouse.admin.store;

/**
 * Which source wins when two define an object of the same kind and name: admin pushes over the
 * config directory, and the config directory over control planes (Kubernetes, HTTP). The
 * operator's own intent beats what a mesh publishes; sources of one rank must not collide.
 */
public final class Precedence {
  /** The source name of admin API pushes. */
  public static final String ADMIN = "admin";

  private Precedence() {}

  /** 0 is strongest. By source name: {@code admin}; {@code file:…} and {@code embedded}; anything else. */
  public static int rank(String source) {
    if (source.equals(ADMIN)) {
      return 0;
    }
    if (source.startsWith("file:") || source.equals("embedded")) {
      return 1;
    }
    return 2;
  }

  /** The kind of a source: the part of its name before the first colon ({@code file}, {@code http}, {@code kubernetes}). */
  public static String kind(String source) {
    int colon = source.indexOf(':');
    return colon < 0 ? source : source.substring(0, colon);
  }
}
