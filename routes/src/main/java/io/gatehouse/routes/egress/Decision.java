package io.gatehouse.routes.egress;

/**
 * What the allow-list said about one destination: the verdict, the entry that decided it (its name;
 * empty when none did), and, when allowed, whether the gateway originates TLS and with which CA file.
 */
public record Decision(Verdict verdict, String rule, boolean originateTls, String caCert) {
  static Decision denied(Verdict verdict, String rule) {
    return new Decision(verdict, rule, false, "");
  }

  public boolean allowed() {
    return verdict == Verdict.ALLOWED;
  }
}
